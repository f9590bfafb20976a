import { expect } from 'chai';
import { suggestRule } from '../../../src/classification/suggest.js';
import { suggestionProblem, type ExampleMessage } from '../../../src/classification/suggestion-check.js';

const mail = (subject: string, fromAddress = 'backup@mon.example.com'): ExampleMessage => ({ subject, fromAddress, text: 'details', html: null, headers: new Map() });

describe('checking a suggested rule against the labelled examples', () => {
  it('accepts a rule that files its example where the engineer did and captures a host name', () => {
    const own = { message: mail('Backup of db1.example.com failed'), org: 'ops.db', previousOrg: null };
    expect(suggestionProblem(suggestRule({ ...own.message }, { org: 'ops.db' })!, own, [])).to.equal(null);
  });

  it('refuses a capture that is the org the message was in, even where it reads as a host name', () => {
    const own = { message: mail('Backup of ops.db.pg failed'), org: 'ops.db.mysql', previousOrg: 'ops.db.pg' };
    const general = suggestRule({ ...own.message }, { org: 'ops.db.mysql' })!;
    expect(general.actions.servers).to.deep.equal(['$server']);
    expect(suggestionProblem(general, own, [])).to.equal('it takes "ops.db.pg" for a server, which is not a host name');
    expect(suggestionProblem(suggestRule({ ...own.message }, { org: 'ops.db.mysql' }, 'general-without-server')!, own, [])).to.equal(null);
  });

  it('refuses a rule that does not file its own example so, or files an earlier example elsewhere', () => {
    const own = { message: mail(':org:ops.web: Backup of web1.example.com failed'), org: 'ops.db', previousOrg: 'ops.web' };
    // Without `override` the sender's tag keeps its org: the rule would not do what the engineer did.
    expect(suggestionProblem(suggestRule({ ...own.message }, { org: 'ops.db' })!, own, [])).to.equal('it files the message it was made from into ops.web, not ops.db');
    const plain = { message: mail('Backup of web1.example.com failed'), org: 'ops.web', previousOrg: null };
    const earlier = { message: mail('Backup of db1.example.com failed'), org: 'ops.db', previousOrg: null };
    expect(suggestionProblem(suggestRule({ ...plain.message }, { org: 'ops.web' })!, plain, [earlier])).to.equal(
      'it would file a message filed by hand into ops.db (Backup of db1.example.com failed) into ops.web',
    );
    expect(suggestionProblem(suggestRule({ ...plain.message }, { org: 'ops.web' }, 'exact')!, plain, [earlier])).to.equal(null);
  });
});
