// The digest's unsubscribe link (RFC 8058). A GET (a person clicking, or a mail scanner looking)
// only shows a button; the POST (that button, or a mail client's one-click unsubscribe, which
// sends List-Unsubscribe=One-Click) turns the user's digest off. The signed token is the only
// credential: it names one user and only DaTamer can make it (src/notifications/unsubscribe-link.ts).
import { Router, type Request } from 'express';
import type { Deps } from '../../deps.js';
import { verifyUnsubscribeToken } from '../../notifications/unsubscribe-link.js';
import { describePreferences, turnDigestOff } from '../../people/preferences.js';
import { changeWithTrail } from '../../events/change.js';
import { handleOf } from '../../people/people.js';

export function digestRoutes(deps: Deps, linkKey: () => Buffer): Router {
  const router = Router();
  const who = (req: Request) => (typeof req.query.token === 'string' ? verifyUnsubscribeToken(linkKey(), req.query.token) : null);
  const refuse = { title: 'Not a DaTamer link', message: 'This unsubscribe link is not one DaTamer made, or it was cut short. Use the link of your latest digest.' };

  router.get('/digest/unsubscribe', (req, res) => {
    if (!who(req)) return void res.status(400).render('error', refuse);
    res.render('unsubscribe', { title: 'Unsubscribe from the daily digest', token: req.query.token });
  });
  router.post('/digest/unsubscribe', async (req, res, next) => {
    try {
      const user = who(req);
      if (!user) return void res.status(400).render('error', refuse);
      // In the trail as the user's own change, like SET DIGEST OFF by reply.
      const handle = await handleOf(deps, user.tenantId, user.userId);
      if (handle) {
        await changeWithTrail(deps, user.tenantId, { actor: handle, via: 'web' }, (t) => turnDigestOff(deps, user.tenantId, user.userId, t), (u) =>
          u ? { action: 'user-settings', detail: { handle: u.handle, settings: describePreferences(u) } } : null,
        );
      }
      res.render('error', { title: 'Unsubscribed', message: 'You will get no more daily digests. Alerts still come; reply SET DIGEST 8 to any DaTamer mail to have the digest back.' });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
