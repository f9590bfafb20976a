import { expect } from 'chai';
import { answeredSubject } from '../../../src/commands/reply.js';

describe('the subject DaTamer answers under', () => {
  const cases: Array<[string, string]> = [
    ['Re: :warn: :org:acme.db: slow queries', ':warn: :org:acme.db: slow queries'],
    ['Re: [DaTamer #5] Re: slow queries', 'slow queries'],
    ['RE: Re: [DaTamer #5] Re: Re: slow queries', 'slow queries'],
    ['AW: [DaTamer #5] Re[2]: slow queries', 'slow queries'],
    ['SV: Fwd: slow queries [DaTamer #5]', 'slow queries'],
    ['Resolved: backup of db1', 'Resolved: backup of db1'],
    ['[DaTamer #5]', ''],
  ];
  for (const [subject, answered] of cases) {
    it(`"${subject}" → "${answered}"`, () => {
      expect(answeredSubject(subject)).to.equal(answered);
    });
  }
});
