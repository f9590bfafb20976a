// An event's title from its signature (docs/correlation.md, "The event's title"), as a table:
// the opener's words, with each part that varies between the messages of its kind summed up.
import { expect } from 'chai';
import { eventTitle, type TitleMessage } from '../../../src/correlation/event-title.js';

const hosts = (n: number, prefix = 'web') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const mail = (subject: string | null, ...about: string[]): TitleMessage => ({ subject, hosts: about });

describe('an event\'s title from its signature', () => {
  const cases: Array<[string, TitleMessage[], string]> = [
    ['one message: its subject as it came, tags and all', [mail(':warn: :org:infra.db: Disk usage on db1 is 91%', 'db1.acme.test')], ':warn: :org:infra.db: Disk usage on db1 is 91%'],
    ['messages that all say the same: the first subject as it came', [mail(':warn: disk full on db1'), mail(':warn: disk full on db1')], ':warn: disk full on db1'],
    ['many hosts counted, percentages as a range',
      hosts(12).map((h, i) => mail(`:warn: :svr:${h}.acme.test: Disk usage on ${h} is ${88 + (i % 10)}%`, `${h}.acme.test`)), 'Disk usage on 12 hosts is 88–97%'],
    ['a few hosts named', hosts(3).map((h) => mail(`Disk usage on ${h} is 91%`, h)), 'Disk usage on web1, web2 and web3 is 91%'],
    ['fully qualified hosts the messages are about',
      hosts(5).map((h) => mail(`** PROBLEM Service Alert: ${h}.example.test/NFS mount /mnt/shared is CRITICAL **`, h)), '** PROBLEM Service Alert: 5 hosts/NFS mount /mnt/shared is CRITICAL **'],
    ['sizes of one unit as a range', [mail('backup of db1 took 12 GB'), mail('backup of db1 took 15 GB'), mail('backup of db1 took 9.5 GB')], 'backup of db1 took 9.5–15 GB'],
    ['times from the first to the last', [mail('job nightly failed at 03:12'), mail('job nightly failed at 03:40'), mail('job nightly failed at 03:05')], 'job nightly failed at 03:05–03:40'],
    ['a few values that are not hosts named with "or"', [mail('Disk /var is full'), mail('Disk /srv is full')], 'Disk /var or /srv is full'],
    ['many values that are not hosts: the first and how many more', ['a1', 'b2', 'c3', 'd4', 'e5'].map((j) => mail(`backup job ${j}x failed`)), 'backup job a1x and 4 others failed'],
    ['a subject that does not line up is left out', [mail('Disk usage on db1 is 91%', 'db1'), mail('Disk usage on db2 is 93%', 'db2'), mail('Disk usage on db3 and db4 is 95% now', 'db3')], 'Disk usage on db1 and db2 is 91–93%'],
    ['no subject', [mail(null)], '(no subject)'],
  ];
  for (const [name, messages, title] of cases) it(name, () => expect(eventTitle(messages)).to.equal(title));

  it('says when an event holds more messages of its kind than the title read', () => {
    const first = hosts(100).map((h) => mail(`Disk usage on ${h} is 91%`, h));
    expect(eventTitle(first, true)).to.equal('Disk usage on 100+ hosts is 91%');
    expect(eventTitle(['a1', 'b2', 'c3', 'd4'].map((j) => mail(`backup job ${j}x failed`)), true)).to.equal('backup job a1x and 3+ others failed');
  });

  it('reads hostile subjects without trouble: long, control characters, private use characters', () => {
    const long = 'x'.repeat(5000);
    expect(eventTitle([mail(`${long} on db1`), mail(`${long} on db2`)])).to.equal(`${long} on db1`);
    expect(eventTitle([mail('\u0001\ue000 down on db1'), mail('\u0001\ue000 down on db2')])).to.equal('\ue000 down on db1 or db2');
  });
});
