// What a message's signature is mined from (src/correlation/signature.ts): the subject and
// first lines, with what varies between messages of one kind masked.
import { expect } from 'chai';
import { TemplateMiner } from '../../../src/correlation/drain.js';
import { MAIL_DRAIN, signatureTokens } from '../../../src/correlation/signature.js';

const sig = (subject: string, body = '') => signatureTokens(subject, body).join(' ');

describe('message signature tokens', () => {
  const table: Array<[string, string, string]> = [
    ['a short and a fully qualified host read alike', sig('** PROBLEM Service Alert: db1/Disk /var is CRITICAL **'), sig('** PROBLEM Service Alert: web3.example.test/Disk /srv is CRITICAL **')],
    ['addresses and ports', sig('connect to 10.0.1.17:5432 failed'), sig('connect to 192.168.7.3:6432 failed')],
    ['mail addresses', sig('bounce from nagios@mon1.example.test'), sig('bounce from root@db2.example.test')],
    ['times and dates', sig('backup done', 'finished at 2026-11-23 03:12:40'), sig('backup done', 'finished at 2026-11-24T04:01:02Z')],
    ['sizes and percentages', sig('disk /var at 95% (12.5 GB free)'), sig('disk /srv at 80% (900 MiB free)')],
    ['ids', sig('job 6f1c2a9e-0b7d-4d2a-9c51-3e0e4f5a6b7c failed'), sig('job 0c3e9a10-1111-4c2a-8d51-aaaaaaaaaaaa failed')],
    ['counts of grouped alerts', sig('[FIRING:12] NodeDown (prom1)'), sig('[FIRING:3] NodeDown (prom2)')],
  ];
  for (const [why, a, b] of table) {
    it(`masks ${why}`, () => {
      expect(a).to.equal(b);
      expect(a).to.include('<*>');
    });
  }

  it('keeps the words that say what happened', () => {
    expect(sig('** PROBLEM Host Alert: db1 is DOWN **')).to.not.equal(sig('** RECOVERY Host Alert: db1 is UP **'));
    expect(sig('** PROBLEM Service Alert: db1/Disk /var is CRITICAL **')).to.equal('** PROBLEM Service Alert: <*> / Disk <*> is CRITICAL ** ¶');
  });

  it('reads the subject and the first four non-empty lines, nothing after', () => {
    const body = 'one\n\ntwo\nthree\n   \nfour\nfive is left out\n';
    expect(signatureTokens('s', body)).to.deep.equal(['s', '¶', 'one', 'two', 'three', 'four']);
  });

  it('takes the first six tokens of a body line: free text of any length reads alike', () => {
    const jenkins = (change: string) => signatureTokens('Build failed in Jenkins: shop #42', `See <https://ci.example.test/job/shop/42/>\nChanges:\n[anna] ${change}`);
    const miner = new TemplateMiner(MAIL_DRAIN);
    const short = miner.add(jenkins('Cart: apply vouchers before shipping costs')).template.id;
    expect(miner.add(jenkins('Bump vitest to 2.1.8 and fix the flaky checkout test, which failed twice')).template.id).to.equal(short);
    expect(signatureTokens('s', 'one two three four five six seven eight')).to.deep.equal(['s', '¶', 'one', 'two', 'three', 'four', 'five', 'six']);
  });

  it('costs no more on a hostile body: a megabyte on one line is cut short', () => {
    const tokens = signatureTokens('x'.repeat(100_000), 'a1 '.repeat(400_000));
    expect(tokens.length).to.be.below(120);
  });

  it('gives one template to a storm of one check across hosts, and another to its recoveries', () => {
    const miner = new TemplateMiner(MAIL_DRAIN);
    // The bodies agree but for the state: the subject's first words tell them apart.
    const problem = (h: string) => miner.add(signatureTokens(`** PROBLEM Service Alert: ${h}/NFS mount /mnt/nfs is CRITICAL **`, `Host: ${h}\nState: CRITICAL\nstale NFS file handle`)).template.id;
    const recovery = (h: string) => miner.add(signatureTokens(`** RECOVERY Service Alert: ${h}/NFS mount /mnt/nfs is OK **`, `Host: ${h}\nState: OK\nstale NFS file handle`)).template.id;
    const problems = ['web1', 'web2', 'api3.example.test', 'batch1'].map(problem);
    const recoveries = ['web1', 'web2'].map(recovery);
    expect(new Set(problems).size).to.equal(1);
    expect(new Set(recoveries).size).to.equal(1);
    expect(problems[0]).to.not.equal(recoveries[0]);
  });
});
