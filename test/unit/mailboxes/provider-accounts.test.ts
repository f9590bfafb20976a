// Who a mailbox is, whatever the admin typed (one mailbox is watched once), and what each
// provider refuses to store, as tables.
import { expect } from 'chai';
import { DatamerError } from '../../../src/errors.js';
import { gmailAccount, gmailSettings, parseServiceAccountKey } from '../../../src/mailboxes/gmail/settings.js';
import { graphAccount, graphSettings } from '../../../src/mailboxes/graph/settings.js';
import { imapAccount, parseImapUrl } from '../../../src/mailboxes/imap/url.js';

const refusal = (work: () => unknown): string => {
  try {
    work();
  } catch (err) {
    if (err instanceof DatamerError && err.code === 'INPUT_INVALID') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('the account a mailbox names', () => {
  const same = [
    ['imaps://ops%40acme.example@imap.acme.example', 'imaps://OPS%40Acme.Example@IMAP.acme.example.:993/Alerts?root=Elsewhere'],
    ['imap://ops@localhost:1143/INBOX?tls=none', 'imap://ops@127.0.0.1:1143/'],
    ['imap://ops@[::1]:1143', 'imap://ops@localhost:1143?tls=starttls'],
    ['imaps://ops%40acme.example@outlook.office365.com', 'imaps://ops@acme.example@outlook.office365.com/INBOX'],
  ];
  for (const [a, b] of same) {
    it(`${a} and ${b} are one mailbox`, () => {
      expect(imapAccount(parseImapUrl(a!))).to.equal(imapAccount(parseImapUrl(b!)));
    });
  }

  const different = [
    ['imap://ops@localhost:1143', 'imap://ops@localhost:1144'],
    ['imap://ops@localhost:1143', 'imap://alerts@localhost:1143'],
    ['imaps://ops@imap.acme.example', 'imaps://ops@imap.other.example'],
  ];
  for (const [a, b] of different) {
    it(`${a} and ${b} are two mailboxes`, () => {
      expect(imapAccount(parseImapUrl(a!))).to.not.equal(imapAccount(parseImapUrl(b!)));
    });
  }

  it('a Microsoft 365 or Gmail mailbox is the same one by IMAP and by its API', () => {
    const graph = graphSettings({ tenantId: 'acme.onmicrosoft.com', clientId: '4e5f6a7b-0000-4000-8000-000000000001', credential: 'secret', mailbox: 'Ops@Acme.Example' });
    expect(graphAccount(graph)).to.equal(imapAccount(parseImapUrl('imaps://ops%40acme.example@outlook.office365.com')));
    const gmail = gmailSettings({ mailbox: 'ops@acme.example', serviceAccount: 'datamer@acme-ops.iam.gserviceaccount.com' });
    expect(gmailAccount(gmail)).to.equal(imapAccount(parseImapUrl('imaps://ops%40acme.example@imap.gmail.com')));
  });
});

describe('Microsoft 365 and Gmail settings an admin gives', () => {
  const graph = { tenantId: '0a1b2c3d-0000-4000-8000-000000000000', clientId: '4e5f6a7b-0000-4000-8000-000000000001', credential: 'secret' as const, mailbox: 'ops@acme.example' };
  const refused: Array<[string, () => unknown, RegExp]> = [
    ['a tenant id that is neither a GUID nor a domain', () => graphSettings({ ...graph, tenantId: 'acme' }), /Directory \(tenant\) ID/],
    ['a client id that is not a GUID', () => graphSettings({ ...graph, clientId: 'DaTamer' }), /Application \(client\) ID/],
    ['a mailbox that is not an address', () => graphSettings({ ...graph, mailbox: 'ops' }), /the shared mailbox's address/],
    ['a Graph URL that is not http(s)', () => graphSettings({ ...graph, graphUrl: 'ftp://graph' }), /--graph-url/],
    ['a file that is not JSON', () => parseServiceAccountKey('-----BEGIN PRIVATE KEY-----'), /not JSON: download the key from Google Cloud console/],
    ['a key of another kind', () => parseServiceAccountKey('{"type":"authorized_user","client_id":"x"}'), /not a service account key/],
    ['a Gmail mailbox that is not an address', () => gmailSettings({ mailbox: 'ops', serviceAccount: 'a@b.iam.gserviceaccount.com' }), /the shared mailbox's address/],
  ];
  for (const [what, work, said] of refused) {
    it(`refuses ${what}, saying where to find the right one`, () => {
      expect(refusal(work)).to.match(said);
    });
  }
});
