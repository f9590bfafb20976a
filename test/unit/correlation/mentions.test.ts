// The hosts a message names (src/correlation/mentions.ts): host names only, not versions,
// file names or org paths.
import { expect } from 'chai';
import { mentionedHosts } from '../../../src/correlation/mentions.js';

describe('hosts a message names', () => {
  const table: Array<{ why: string; subject: string; body: string; hosts: string[] }> = [
    { why: 'a host in brackets with a port', subject: 'monit alert -- Connection failed postgres-primary', body: 'failed protocol test [PGSQL] at [db1.example.test]:5432 [TCP/IP]', hosts: ['db1.example.test'] },
    { why: 'a host in a sentence, once however often it is named', subject: '', body: 'primary db1.example.test unreachable for 120 s\npromoting standby db2.example.test\ndb1.example.test', hosts: ['db1.example.test', 'db2.example.test'] },
    { why: 'not a version, a file name, an address or an org path', subject: 'rsync 3.2.7 failed', body: 'see app.log.1 and main.c, 10.0.2.28, job nightly.sync', hosts: [] },
    { why: 'not a bare short name', subject: 'web3 is DOWN', body: 'Host: web3', hosts: [] },
  ];
  for (const row of table) it(row.why, () => expect(mentionedHosts(row.subject, row.body)).to.deep.equal(row.hosts));
});
