import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { isDatamerError } from '../../../src/errors.js';
import { relayEntry, trustedRelays, withoutAuthenticationResults } from '../../../src/mailboxes/smtp/border.js';

describe("the SMTP listener's border (RFC 8601 §5)", () => {
  describe('trusted relays', () => {
    const cases: Array<[string[], string, boolean]> = [
      [['127.0.0.0/8', '::1'], '127.0.0.1', true],
      [['127.0.0.0/8', '::1'], '::ffff:127.0.0.1', true],
      [['127.0.0.0/8', '::1'], '::1', true],
      [['127.0.0.0/8', '::1'], '192.0.2.7', false],
      [['10.1.2.3'], '10.1.2.3', true],
      [['10.1.2.3'], '10.1.2.4', false],
      [['2001:db8::/32'], '2001:db8:1::25', true],
      [['2001:db8::/32'], '2001:db9::25', false],
      [[], '127.0.0.1', false],
    ];
    for (const [list, address, trusted] of cases) {
      it(`${address} is ${trusted ? '' : 'not '}a trusted relay among [${list.join(', ')}]`, () => {
        expect(trustedRelays(list)(address)).to.equal(trusted);
      });
    }

    it('reads addresses and networks, and nothing else', () => {
      expect(relayEntry('10.0.0.0/8')).to.deep.equal({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
      expect(relayEntry(' ::1 ')).to.deep.equal({ address: '::1', prefix: null, family: 'ipv6' });
      for (const bad of ['mx.acme.test', '10.0.0.0/33', '10.0.0.0/x', '::1/129', '10.0.0.1/8/8', '']) expect(relayEntry(bad), bad).to.equal(null);
    });

    it('DATAMER_SMTP_TRUSTED_RELAYS: loopback by default, a list, none, and a clear refusal', () => {
      expect(loadConfig({}).smtp.trustedRelays).to.deep.equal(['127.0.0.0/8', '::1']);
      expect(loadConfig({ DATAMER_SMTP_TRUSTED_RELAYS: '10.0.0.5, 192.0.2.0/24' }).smtp.trustedRelays).to.deep.equal(['10.0.0.5', '192.0.2.0/24']);
      expect(loadConfig({ DATAMER_SMTP_TRUSTED_RELAYS: 'none' }).smtp.trustedRelays).to.deep.equal([]);
      let refused: unknown = null;
      try {
        loadConfig({ DATAMER_SMTP_TRUSTED_RELAYS: 'mx.acme.test' });
      } catch (err) {
        refused = err;
      }
      expect(isDatamerError(refused, 'CONFIG_INVALID') && refused.message).to.match(/DATAMER_SMTP_TRUSTED_RELAYS.*IP addresses or networks/);
    });

    it('DATAMER_SMTP_DATA_TIMEOUT: 10 minutes unless set', () => {
      expect(loadConfig({}).smtp.dataTimeoutMs).to.equal(600_000);
      expect(loadConfig({ DATAMER_SMTP_DATA_TIMEOUT: '90s' }).smtp.dataTimeoutMs).to.equal(90_000);
    });
  });

  describe('Authentication-Results deleted', () => {
    it('every such field with its folded lines, the rest byte for byte', () => {
      const raw = Buffer.from(
        'Received: from x\r\nAuthentication-Results: mx.acme.test;\r\n\tdkim=pass header.d=acme.test\r\nFrom: a@acme.test\r\nauthentication-results : other; spf=pass\r\nSubject: Authentication-Results: in a subject\r\n\r\nAuthentication-Results: in the body\r\n',
        'latin1',
      );
      const { raw: cleaned, removed } = withoutAuthenticationResults(raw);
      expect(removed).to.equal(2);
      expect(cleaned.toString('latin1')).to.equal('Received: from x\r\nFrom: a@acme.test\r\nSubject: Authentication-Results: in a subject\r\n\r\nAuthentication-Results: in the body\r\n');
    });

    it('a message without them is the same buffer', () => {
      const raw = Buffer.from('From: a@acme.test\nSubject: hi\n\nbody\n');
      expect(withoutAuthenticationResults(raw)).to.deep.equal({ raw, removed: 0 });
    });
  });
});
