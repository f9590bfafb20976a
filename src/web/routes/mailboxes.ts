// The mailboxes page (docs/web.md, Mailboxes): each mailbox of the tenant with its kind, mode,
// state, last error and when it last worked; an admin adds one (IMAP, Microsoft 365, Gmail),
// tests one (`datamer mailbox test`) or removes one. Mailboxes are added through the registry of
// providers and the mailbox store, as `datamer mailbox add` does: the provider reads its settings
// and credential from the form as the CLI's options and files give them. A password or secret is
// stored encrypted and never shown again: not in the page, not in a message, not in the log.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { DatamerError, isDatamerError, messageOf } from '../../errors.js';
import { addMailbox, checkNewMailbox, listMailboxes, MAILBOX_MODES, providerFor, removeMailbox, secretOf, setMailboxSecret, type NewMailbox } from '../../mailboxes/mailbox-store.js';
import { providerOf, type CheckLine, type ProviderKind } from '../../mailboxes/registry.js';
import type { Mailbox, MailboxMode } from '../../../models/index.js';
import { csrfProtection, requireAdmin, siteUser } from '../auth.js';
import { idParam } from '../params.js';
import { formChange, recentChanges, refuse } from '../site-change.js';

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** A key or certificate pasted into a text area: browsers send its lines CRLF-ended (HTML), the file it came from had LF. */
const pasted = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : '');

function notFound(res: Response) {
  res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
}

function stateOf(m: Mailbox): string {
  if (m.kind === 'smtp') return 'listening';
  if (m.lastError) return 'failing';
  return m.lastSyncedAt ? 'ok' : 'not yet connected';
}

/**
 * The form's fields as `datamer mailbox add` options, and the credential it would read from a
 * file: the provider makes the mailbox from them exactly as from the command line.
 */
function optionsOf(kind: ProviderKind, body: Record<string, unknown>): { options: Record<string, unknown>; secret: string } {
  const root = str(body.root) ? { root: str(body.root) } : {};
  if (kind === 'imap') return { options: { imap: str(body.url), passwordFile: 'form', ...root }, secret: typeof body.password === 'string' ? body.password : '' };
  if (kind === 'graph') {
    // A client secret, or a certificate with its private key (PEM), as --secret-file or --certificate-file give them;
    // and, for a national cloud, where Microsoft Graph and Entra ID answer.
    const certificate = body.credential === 'certificate';
    const clouds = { ...(str(body.graphUrl) ? { graphUrl: str(body.graphUrl) } : {}), ...(str(body.loginUrl) ? { loginUrl: str(body.loginUrl) } : {}) };
    const credential = certificate ? { certificateFile: 'form' } : { secretFile: 'form' };
    const secret = certificate ? pasted(body.certificate) : typeof body.secret === 'string' ? body.secret : '';
    return { options: { graph: true, tenantId: str(body.tenantId), clientId: str(body.clientId), mailbox: str(body.mailbox), ...credential, ...clouds, ...root }, secret };
  }
  return { options: { gmail: true, mailbox: str(body.mailbox), serviceAccountFile: 'form', ...root }, secret: pasted(body.serviceAccount) };
}

/** What a mailbox logs in with, in words, and whether it is typed (a password) or pasted (a key, a certificate). */
function credentialOf(m: Mailbox): { label: string; pasted: boolean } {
  if (m.kind === 'gmail') return { label: 'Service account key (its JSON)', pasted: true };
  if (m.kind === 'graph') return (m.settings as { credential?: string }).credential === 'certificate'
    ? { label: 'Certificate with its private key (PEM)', pasted: true }
    : { label: 'Client secret (its Value)', pasted: false };
  return { label: 'Password', pasted: false };
}

export function mailboxRoutes(deps: Deps, secretKey?: () => Buffer): Router {
  const router = Router();

  async function page(res: Response, extra: Record<string, unknown> = {}) {
    const { tenantId } = siteUser(res);
    const [mailboxes, changes] = await Promise.all([listMailboxes(deps, tenantId), recentChanges(deps, tenantId, ['mailbox-'])]);
    res.render('mailboxes', {
      title: 'Mailboxes',
      mailboxes: mailboxes.map((m) => ({
        id: m.id, kind: m.kind, address: m.address, mode: m.mode, state: stateOf(m), lastError: m.lastError, lastErrorAt: m.lastErrorAt, lastSyncedAt: m.lastSyncedAt, watched: m.kind !== 'smtp',
        credential: credentialOf(m),
      })),
      modes: MAILBOX_MODES,
      canChange: Boolean(secretKey),
      changes,
      ...extra,
    });
  }

  router.get('/mailboxes', async (_req, res, next) => {
    try {
      await page(res);
    } catch (err) {
      next(err);
    }
  });

  /** The watched mailbox the URL names, of the user's tenant; null (answered 404) for any other, and for DaTamer's own address. */
  async function mailboxOf(req: Request, res: Response): Promise<Mailbox | null> {
    const id = idParam(req.params.id);
    const m = id === null ? null : await deps.db.models.Mailbox.findOne({ where: { tenantId: siteUser(res).tenantId, id } });
    return m && m.kind !== 'smtp' ? m : null;
  }

  const key = (): Buffer => {
    if (!secretKey) throw new DatamerError('INPUT_INVALID', 'this site was started without the secret key that encrypts mailbox credentials; use datamer mailbox');
    return secretKey();
  };

  for (const kind of ['imap', 'graph', 'gmail'] as const) {
    router.post(`/mailboxes/${kind}`, csrfProtection, requireAdmin, async (req, res, next) => {
      const body = req.body as Record<string, unknown>;
      // Checked before the change's transaction: a login to the mailbox can take seconds, and
      // must not hold the database meanwhile.
      let input: NewMailbox;
      try {
        const { options, secret } = optionsOf(kind, body);
        if (!secret) throw new DatamerError('INPUT_INVALID', `the ${kind} form needs its ${kind === 'imap' ? 'password' : kind === 'graph' ? 'client secret or certificate' : 'service account key'}`);
        const made = await providerOf(kind).fromOptions(options, async () => secret);
        if (!made) throw new DatamerError('INPUT_INVALID', `the ${kind} form is incomplete`);
        input = { kind, ...made, mode: str(body.mode) as MailboxMode };
        const { address } = await checkNewMailbox(deps, input);
        if (body.check === 'on') {
          // Logs in and out first, as the CLI does: a wrong password is found now, not by the watcher at 3 a.m.
          try {
            const session = await providerOf(kind).open(input.settings, input.secret, deps.log);
            await session.close();
          } catch (err) {
            throw new DatamerError('INPUT_INVALID', `${address} was not added: ${messageOf(err)}`);
          }
        }
      } catch (err) {
        return refuse(req, res, next, '/mailboxes', err);
      }
      await formChange(deps, req, res, next, '/mailboxes', async (t) => {
        const added = await addMailbox(deps, siteUser(res).tenantId, input, key(), t);
        return {
          text: `Mailbox ${added.id} added: ${added.address} (${added.mode}). DaTamer takes in new mail from now on; what is already in it is filed with datamer mailbox organize --backlog.`,
          trail: { action: 'mailbox-added', detail: { id: added.id, kind, address: added.address, mode: added.mode, checked: body.check === 'on' } },
        };
      });
    });
  }

  router.post('/mailboxes/:id/test', csrfProtection, async (req, res, next) => {
    try {
      const mailbox = await mailboxOf(req, res);
      if (!mailbox) return notFound(res);
      if (!siteUser(res).isAdmin) return requireAdmin(req, res, next);
      let lines: CheckLine[];
      try {
        lines = await providerFor(mailbox).check(mailbox.settings, secretOf(mailbox, key()), deps.log);
      } catch (err) {
        if (!isDatamerError(err)) throw err;
        lines = [{ ok: false, text: err.message }];
      }
      await page(res, { tested: { id: mailbox.id, address: mailbox.address, ok: lines.every((l) => l.ok), lines } });
    } catch (err) {
      next(err);
    }
  });

  // `datamer mailbox password`: a new password (or secret, certificate, key), checked by logging in
  // first unless unticked, so that a mistyped one never replaces the one that works. Never shown again.
  router.post('/mailboxes/:id/password', csrfProtection, async (req, res, next) => {
    try {
      const mailbox = await mailboxOf(req, res);
      if (!mailbox) return notFound(res);
      const body = req.body as Record<string, unknown>;
      requireAdmin(req, res, async () => {
        const secret = credentialOf(mailbox).pasted ? pasted(body.secret) : typeof body.secret === 'string' ? body.secret : '';
        const checked = body.check === 'on';
        // Logged in with it before the change's transaction, which a login must not hold.
        try {
          if (!secret) throw new DatamerError('INPUT_INVALID', `give the new ${credentialOf(mailbox).label.toLowerCase()} of ${mailbox.address}`);
          if (checked) {
            try {
              const session = await providerFor(mailbox).open(mailbox.settings, secret, deps.log);
              await session.close();
            } catch (err) {
              throw new DatamerError('INPUT_INVALID', `the new credential of ${mailbox.address} was not stored, the old one is kept: ${messageOf(err)}`);
            }
          }
        } catch (err) {
          return refuse(req, res, next, '/mailboxes', err);
        }
        await formChange(deps, req, res, next, '/mailboxes', async (t) => {
          await setMailboxSecret(deps, mailbox, secret, key(), t);
          return {
            text: `Mailbox ${mailbox.id} (${mailbox.address}): the new credential is stored${checked ? ', and it logs in' : ''}.`,
            trail: { action: 'mailbox-password-set', detail: { id: mailbox.id, address: mailbox.address, checked } },
          };
        });
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/mailboxes/:id/remove', csrfProtection, async (req, res, next) => {
    try {
      const mailbox = await mailboxOf(req, res);
      if (!mailbox) return notFound(res);
      requireAdmin(req, res, () =>
        void formChange(deps, req, res, next, '/mailboxes', async (t) => {
          await removeMailbox(deps, mailbox, t);
          return { text: `Mailbox ${mailbox.id} removed: ${mailbox.address}. Its messages stay.`, trail: { action: 'mailbox-removed', detail: { id: mailbox.id, kind: mailbox.kind, address: mailbox.address } } };
        }),
      );
    } catch (err) {
      next(err);
    }
  });

  return router;
}
