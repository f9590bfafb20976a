// The mailboxes page (docs/web.md, Mailboxes): each mailbox of the tenant with its kind, mode,
// state, last error and when it last worked; an admin adds one (IMAP, Microsoft 365, Gmail),
// tests one (`datamer mailbox test`) or removes one. Mailboxes are added through the registry of
// providers and the mailbox store, as `datamer mailbox add` does: the provider reads its settings
// and credential from the form as the CLI's options and files give them. A password or secret is
// stored encrypted and never shown again: not in the page, not in a message, not in the log.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { DatamerError, isDatamerError, messageOf } from '../../errors.js';
import { addMailbox, listMailboxes, MAILBOX_MODES, providerFor, removeMailbox, secretOf } from '../../mailboxes/mailbox-store.js';
import { providerOf, type CheckLine, type ProviderKind } from '../../mailboxes/registry.js';
import type { Mailbox, MailboxMode } from '../../../models/index.js';
import { csrfProtection, requireAdmin, siteUser } from '../auth.js';
import { idParam } from '../params.js';
import { formChange, recentChanges } from '../site-change.js';

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

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
    return { options: { graph: true, tenantId: str(body.tenantId), clientId: str(body.clientId), mailbox: str(body.mailbox), secretFile: 'form', ...root }, secret: typeof body.secret === 'string' ? body.secret : '' };
  }
  return { options: { gmail: true, mailbox: str(body.mailbox), serviceAccountFile: 'form', ...root }, secret: typeof body.serviceAccount === 'string' ? body.serviceAccount.trim() : '' };
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
      await formChange(deps, req, res, next, '/mailboxes', async () => {
        const { tenantId } = siteUser(res);
        const { options, secret } = optionsOf(kind, body);
        const made = await providerOf(kind).fromOptions(options, async () => secret);
        if (!made) throw new DatamerError('INPUT_INVALID', `the ${kind} form is incomplete`);
        const mode = str(body.mode) as MailboxMode;
        const added = await addMailbox(deps, tenantId, { kind, ...made, mode }, key());
        if (body.check === 'on') {
          // Logs in and out first, as the CLI does: a wrong password is found now, not by the watcher at 3 a.m.
          try {
            const session = await providerFor(added).open(added.settings, made.secret, deps.log);
            await session.close();
          } catch (err) {
            await removeMailbox(deps, added);
            throw new DatamerError('INPUT_INVALID', `${added.address} was not added: ${messageOf(err)}`);
          }
        }
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

  router.post('/mailboxes/:id/remove', csrfProtection, async (req, res, next) => {
    try {
      const mailbox = await mailboxOf(req, res);
      if (!mailbox) return notFound(res);
      requireAdmin(req, res, () =>
        void formChange(deps, req, res, next, '/mailboxes', async () => {
          await removeMailbox(deps, mailbox);
          return { text: `Mailbox ${mailbox.id} removed: ${mailbox.address}. Its messages stay.`, trail: { action: 'mailbox-removed', detail: { id: mailbox.id, kind: mailbox.kind, address: mailbox.address } } };
        }),
      );
    } catch (err) {
      next(err);
    }
  });

  return router;
}
