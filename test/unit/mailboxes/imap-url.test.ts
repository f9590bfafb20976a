import { expect } from 'chai';
import { DatamerError } from '../../../src/errors.js';
import { describeImap, parseImapUrl, type ImapSettings } from '../../../src/mailboxes/imap/url.js';

function refusal(text: string): string {
  try {
    parseImapUrl(text);
  } catch (err) {
    if (err instanceof DatamerError && err.code === 'INPUT_INVALID') return err.message;
    throw err;
  }
  throw new Error(`expected ${text} to be refused`);
}

const defaults: ImapSettings = {
  host: 'imap.example.com',
  port: 993,
  secure: true,
  starttls: 'never',
  user: 'ops',
  inbox: 'INBOX',
  root: 'DaTamer',
  rejectUnauthorized: true,
};

describe('the IMAP address an admin types', () => {
  const accepted: Array<[string, Partial<ImapSettings>]> = [
    ['imaps://ops@imap.example.com', {}],
    ['imaps://ops@IMAP.Example.COM:10993/', { port: 10993 }],
    ['imap://ops@imap.example.com', { port: 143, secure: false, starttls: 'optional' }],
    ['imap://ops@imap.example.com?tls=starttls', { port: 143, secure: false, starttls: 'require' }],
    ['imap://ops@127.0.0.1:1143?tls=none', { host: '127.0.0.1', port: 1143, secure: false, starttls: 'never' }],
    ['imaps://ops%40example.com@imap.example.com', { user: 'ops@example.com' }],
    ['imaps://ops@[::1]:993', { host: '::1' }],
    ['imaps://ops@imap.example.com/Alerts', { inbox: 'Alerts' }],
    ['imaps://ops@imap.example.com/inbox', { inbox: 'INBOX' }],
    ['imaps://ops@imap.example.com/INBOX.Monitoring', { inbox: 'INBOX.Monitoring' }],
    ['imaps://ops@imap.example.com/Team%20Alerts/Caf%C3%A9', { inbox: 'Team Alerts/Café' }],
    ['imaps://ops@imap.example.com?root=Ops/DaTamer', { root: 'Ops/DaTamer' }],
    ['imaps://ops@imap.example.com?root=%2FOps%2F%2FAlert+Mail%2F', { root: 'Ops/Alert+Mail' }],
    ['imaps://ops@imap.example.com?insecure=1', { rejectUnauthorized: false }],
    ['imaps://ops@imap.example.com?insecure', { rejectUnauthorized: false }],
    ['imaps://ops@imap.example.com?insecure=0', {}],
    ['  IMAPS://ops@imap.example.com  ', {}],
  ];
  for (const [text, expected] of accepted) {
    it(`reads ${text.trim()}`, () => {
      expect(parseImapUrl(text)).to.deep.equal({ ...defaults, ...expected });
    });
  }

  for (const text of ['imaps://ops:hunter2@imap.example.com', 'imap://ops:@imap.example.com', 'imaps://ops%40example.com:s3cret@imap.example.com:993/INBOX']) {
    it(`refuses a password in ${text.replace(/:[^:@/]*@/, ':…@')} and says to use --password-file, without repeating it`, () => {
      const message = refusal(text);
      expect(message).to.include('--password-file');
      expect(message).to.not.include('hunter2').and.not.include('s3cret');
    });
  }

  const refused: Array<[string, RegExp]> = [
    ['imap.example.com', /written imaps:\/\/user@host/],
    ['https://ops@imap.example.com', /written imaps:\/\/user@host/],
    ['imaps://imap.example.com', /name the user/],
    ['imaps://@imap.example.com', /name the user/],
    ['imaps://ops@', /name the server/],
    ['imaps://ops@imap.example.com:0', /port must be a number between 1 and 65535, got "0"/],
    ['imaps://ops@imap.example.com:99999', /port must be a number between 1 and 65535/],
    ['imaps://ops@imap.example.com:imap', /port must be a number/],
    ['imaps://ops@imap example.com', /"imap example\.com" is not a host name/],
    ['imaps://ops@-bad-.example.com', /is not a host name/],
    ['imaps://ops@[fe80::zz]', /is not an IPv6 address/],
    ['imaps://ops@imap.example.com/%E0%A4%A', /the folder has a broken percent-encoding/],
    ['imaps://ops%ZZ@imap.example.com', /the user has a broken percent-encoding/],
    ['imaps://ops@imap.example.com/A%00B', /the folder holds a control character/],
    ['imaps://ops@imap.example.com#INBOX', /"#" part means nothing here/],
    ['imaps://ops;AUTH=PLAIN@imap.example.com', /login mechanism/],
    ['imaps://ops@imap.example.com?tls=starttls', /imaps:\/\/ is TLS from the start; tls=starttls goes with imap:\/\//],
    ['imap://ops@imap.example.com?tls=ssl', /tls must be starttls or none, got "ssl"/],
    ['imaps://ops@imap.example.com?insecure=maybe', /insecure must be 1 or 0/],
    ['imaps://ops@imap.example.com?root=/', /root must name a folder/],
    ['imaps://ops@imap.example.com?rot=DaTamer', /unknown option "rot" \(known: root, tls, insecure\)/],
    ['imaps://ops@imap.example.com?root=A&root=B', /option root is given twice/],
  ];
  for (const [text, expected] of refused) {
    it(`refuses ${text} with one clear sentence`, () => {
      expect(refusal(text)).to.match(expected);
    });
  }

  const hidden: Array<[string, string]> = [
    ['a password given as an option', 'imaps://ops@imap.example.com?password=hunter2'],
    ['a password holding "/"', 'imaps://ops:hun/ter2@imap.example.com'],
    ['a password holding "?"', 'imaps://ops:hun?ter2@imap.example.com'],
  ];
  for (const [what, text] of hidden) {
    it(`does not repeat an address with ${what}, which is not recognised as a password`, () => {
      const message = refusal(text);
      expect(message).to.match(/^IMAP address: (unknown option "password"|name the user.*--password-file)/);
      expect(message).to.not.match(/hun.?ter2/);
    });
  }

  describe('as shown in lists and log lines', () => {
    it('names scheme, user, server, port and watched folder', () => {
      expect(describeImap(parseImapUrl('imaps://ops@imap.example.com'))).to.equal('imaps://ops@imap.example.com:993/INBOX');
      expect(describeImap(parseImapUrl('imap://ops@127.0.0.1:1143?tls=none&insecure=1'))).to.equal('imap://ops@127.0.0.1:1143/INBOX?tls=none&insecure=1');
    });

    it('gives an address that reads back as the same settings', () => {
      for (const text of [
        'imaps://ops%40example.com@imap.example.com/Team%20Alerts/Caf%C3%A9?root=Ops/Alert%20Mail&insecure=1',
        'imap://ops@[::1]:1143/INBOX.Monitoring?tls=starttls',
        'imap://ops@imap.example.com/100%25?root=a%26b%3Dc',
      ]) {
        const settings = parseImapUrl(text);
        expect(parseImapUrl(describeImap(settings))).to.deep.equal(settings);
      }
    });

    it('encodes a user holding ":" or "@", so it is not read back as a password or a server', () => {
      const settings = { ...defaults, user: 'dom\\ops:x@example.com' };
      expect(describeImap(settings)).to.equal('imaps://dom%5Cops%3Ax%40example.com@imap.example.com:993/INBOX');
      expect(parseImapUrl(describeImap(settings))).to.deep.equal(settings);
    });
  });
});
