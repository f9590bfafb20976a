import { expect } from 'chai';
import { authenticationVerdict } from '../../../src/commands/auth-results.js';

describe("the trusted server's Authentication-Results", () => {
  const verdict = (results: string, from: string) => authenticationVerdict([`mx.example.com; ${results}`], 'mx.example.com', from);

  it('passes a DKIM signature of the From: domain or of its organization (relaxed alignment)', () => {
    expect(verdict('dkim=pass header.d=example.com', 'alice@example.com')).to.deep.equal({ pass: true, method: 'dkim' });
    expect(verdict('dkim=pass header.d=example.com', 'alice@mail.example.com')).to.deep.equal({ pass: true, method: 'dkim' });
    expect(verdict('dkim=pass header.d=mail.acme.co.uk', 'alice@acme.co.uk')).to.deep.equal({ pass: true, method: 'dkim' });
  });

  it('aligns nothing with a public suffix (Public Suffix List): header.d=com, co.uk or github.io is no organization', () => {
    expect(verdict('dkim=pass header.d=com', 'alice@example.com').pass).to.equal(false);
    expect(verdict('dkim=pass header.d=co.uk', 'alice@acme.co.uk').pass).to.equal(false);
    expect(verdict('spf=pass smtp.mailfrom=mallory@co.uk', 'alice@acme.co.uk').pass).to.equal(false);
    // Two organizations under one public suffix are not one organization.
    expect(verdict('dkim=pass header.d=mallory.github.io', 'alice@acme.github.io').pass).to.equal(false);
  });

  it('passes nothing for another domain, or a verdict that is not pass', () => {
    expect(verdict('dkim=pass header.d=evil.example', 'alice@example.com').pass).to.equal(false);
    expect(verdict('dkim=fail header.d=example.com', 'alice@example.com').pass).to.equal(false);
  });
});
