// The people page (docs/web.md, People): the tenant's users with their roles, its groups with
// their members and subscriptions, and each user's own page: how they are told (alert
// severities, time zone, quiet hours, digest hour) and their command token. Admins change people,
// groups and anyone's settings; everyone changes their own. Every change goes through
// src/people/, as `datamer user`, `group` and `subscribe` do.
import { Router, type Request, type Response } from 'express';
import type { Transaction } from 'sequelize';
import type { Deps } from '../../deps.js';
import { DatamerError } from '../../errors.js';
import { changeEvent } from '../../events/change.js';
import { commandTokenOf, rotateCommandToken } from '../../people/command-tokens.js';
import {
  addGroup, addUser, groupViews, joinGroup, leaveGroup, listUsers, removeUser, ROLES, setRole, subscribe, unsubscribe,
} from '../../people/people.js';
import { checkPassword, MIN_PASSWORD_LENGTH, setPassword } from '../../people/passwords.js';
import { ALERT_SEVERITIES, describePreferences, setPreferences } from '../../people/preferences.js';
import { replyAddress } from '../../reply-address.js';
import { smtpMailboxOf } from '../../tenants/tenants.js';
import type { InterestLevel, User } from '../../../models/index.js';
import { csrfProtection, requireAdmin, siteUser } from '../auth.js';
import { severityLabel } from '../helpers.js';
import { formChange, recentChanges } from '../site-change.js';

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

function notFound(res: Response) {
  res.status(404).render('error', { title: 'Not found', message: 'There is no such page.' });
}

function forbidden(res: Response) {
  res.status(403).render('error', { title: 'Not allowed', message: "Only an admin of the tenant can change another user's settings." });
}

/** Every IANA zone Node knows (ECMA-402 Intl.supportedValuesOf), for the settings' list. */
const TIME_ZONES = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
})();

export function peopleRoutes(deps: Deps): Router {
  const router = Router();

  /** The user the URL names, of the logged-in user's tenant; null (answered 404) for any other. */
  async function userOf(req: Request, res: Response): Promise<User | null> {
    const handle = str(req.params.handle).toLowerCase();
    return handle ? deps.db.models.User.findOne({ where: { tenantId: siteUser(res).tenantId, handle } }) : null;
  }

  /** Their own page, or an admin's: 404 for another tenant's user, 403 for an engineer on someone else's. */
  async function settingsOf(req: Request, res: Response): Promise<User | null> {
    const user = await userOf(req, res);
    if (!user) {
      notFound(res);
      return null;
    }
    const me = siteUser(res);
    if (user.id !== me.id && !me.isAdmin) {
      forbidden(res);
      return null;
    }
    return user;
  }

  router.get('/people', async (_req, res, next) => {
    try {
      const me = siteUser(res);
      const [users, groups, changes] = await Promise.all([listUsers(deps, me.tenantId), groupViews(deps, me.tenantId), recentChanges(deps, me.tenantId, ['user-', 'group-', 'subscription-'])]);
      res.render('people', {
        title: 'People',
        users: users.map((u) => ({
          handle: u.handle, displayName: u.displayName, email: u.email, role: u.role, me: u.id === me.id,
          groups: groups.filter((g) => g.members.includes(u.handle)).map((g) => g.name).join(', '),
          roles: ROLES.map((r) => ({ value: r, selected: r === u.role })),
        })),
        groups,
        groupNames: groups.map((g) => g.name),
        handles: users.map((u) => u.handle),
        changes,
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/people/:handle', async (req, res, next) => {
    try {
      const user = await settingsOf(req, res);
      if (!user) return;
      const me = siteUser(res);
      const own = user.id === me.id;
      // The token is shown to its owner only: with it and their From: address, mail commands as them.
      const token = own ? await commandTokenOf(deps, user) : null;
      const base = token ? (await smtpMailboxOf(deps, me.tenantId))?.address : undefined;
      const [start, end] = user.quietHours ? user.quietHours.split('-') : ['', ''];
      res.render('person', {
        title: own ? 'My settings' : `${user.displayName}'s settings`,
        person: { handle: user.handle, displayName: user.displayName, email: user.email, role: user.role },
        own,
        summary: describePreferences(user),
        severities: ALERT_SEVERITIES.map((s) => ({ value: s, label: severityLabel(s), checked: user.alertSeverities.includes(s) })),
        zones: TIME_ZONES.map((z) => ({ value: z, selected: z === user.timeZone })),
        quiet: { on: user.quietHours !== null, start, end },
        hours: [{ value: 'off', label: 'no digest', selected: user.digestHour === null }, ...Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, '0')}:00`, selected: user.digestHour === h }))],
        token,
        replyAddress: token && base ? replyAddress(base, token, null) : null,
        minPassword: MIN_PASSWORD_LENGTH,
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/people/:handle/settings', csrfProtection, async (req, res, next) => {
    try {
      const user = await settingsOf(req, res);
      if (!user) return;
      const body = req.body as Record<string, unknown>;
      await formChange(deps, req, res, next, `/people/${user.handle}`, async (t) => {
        const alerts = list(body.alerts);
        const quiet = body.quiet === 'on' ? `${str(body.quietStart)}-${str(body.quietEnd)}` : 'off';
        const updated = await setPreferences(deps, siteUser(res).tenantId, user.handle, {
          alerts: alerts.length === 0 ? 'none' : alerts.join(','), timeZone: str(body.timeZone), quiet, digest: str(body.digest) || 'off',
        }, t);
        const said = describePreferences(updated);
        return { text: `${updated.handle}: ${said}.`, trail: { action: 'user-settings', detail: { handle: updated.handle, settings: said } } };
      });
    } catch (err) {
      next(err);
    }
  });

  router.post('/people/:handle/token', csrfProtection, async (req, res, next) => {
    try {
      const user = await settingsOf(req, res);
      if (!user) return;
      await formChange(deps, req, res, next, `/people/${user.handle}`, async (t) => {
        await rotateCommandToken(deps, siteUser(res).tenantId, user.handle, t);
        // The trail says that it changed, never what it is.
        return { text: `A new command token for ${user.handle}: replies to mail DaTamer sent before no longer command.`, trail: { action: 'user-token-rotated', detail: { handle: user.handle } } };
      });
    } catch (err) {
      next(err);
    }
  });

  // A site password: one's own, with the current one (a login left open on a shared screen must
  // not be enough to take the account); an admin sets anyone's, as `datamer user password` does.
  // The password is written to no page, message or trail line: only that it changed, and by whom.
  router.post('/people/:handle/password', csrfProtection, async (req, res, next) => {
    try {
      const user = await settingsOf(req, res);
      if (!user) return;
      const body = req.body as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      await formChange(deps, req, res, next, `/people/${user.handle}`, async (t) => {
        const me = siteUser(res);
        const own = user.id === me.id;
        if (own && !(await checkPassword(deps, me.tenantId, user.handle, text(body.current)))) {
          throw new DatamerError('INPUT_INVALID', 'the current password is not right; the password is unchanged');
        }
        if (text(body.password) !== text(body.confirm)) throw new DatamerError('INPUT_INVALID', 'the new password and its repetition differ; the password is unchanged');
        await setPassword(deps, me.tenantId, user.handle, text(body.password), t);
        return {
          text: own ? 'Your password is changed: log in with the new one from now on.' : `A new password for ${user.handle}: tell them, and they log in with it.`,
          trail: { action: 'user-password-set', detail: { handle: user.handle } },
        };
      });
    } catch (err) {
      next(err);
    }
  });

  // What only an admin does: people, their roles, groups, members and subscriptions.
  const adminChange = (path: string, work: (tenantId: number, body: Record<string, unknown>, t: Transaction) => Promise<{ text: string; action: string; detail: Record<string, unknown> }>) =>
    router.post(path, csrfProtection, requireAdmin, async (req, res, next) => {
      await formChange(deps, req, res, next, '/people', async (t) => {
        const me = siteUser(res);
        const done = await work(me.tenantId, req.body as Record<string, unknown>, t);
        return { text: done.text, trail: { action: done.action, detail: done.detail } };
      });
    });

  adminChange('/people/users', async (tenantId, body, t) => {
    const u = await addUser(deps, tenantId, { email: str(body.email), handle: str(body.handle), ...(str(body.displayName) ? { displayName: str(body.displayName) } : {}) }, t);
    return { text: `User ${u.handle} <${u.email}> added. They log in once they have a password (datamer user password).`, action: 'user-added', detail: { handle: u.handle, email: u.email } };
  });
  adminChange('/people/groups', async (tenantId, body, t) => {
    const g = await addGroup(deps, tenantId, str(body.name), t);
    return { text: `Group "${g.name}" added.`, action: 'group-added', detail: { group: g.name } };
  });
  adminChange('/people/groups/members', async (tenantId, body, t) => {
    const [group, handle] = [str(body.group), str(body.handle).toLowerCase()];
    await joinGroup(deps, tenantId, group, handle, t);
    return { text: `${handle} joined group "${group}".`, action: 'group-joined', detail: { group, handle } };
  });
  adminChange('/people/groups/members/remove', async (tenantId, body, t) => {
    const [group, handle] = [str(body.group), str(body.handle).toLowerCase()];
    await leaveGroup(deps, tenantId, group, handle, t);
    return { text: `${handle} left group "${group}".`, action: 'group-left', detail: { group, handle } };
  });
  adminChange('/people/groups/subscriptions', async (tenantId, body, t) => {
    const group = str(body.group);
    const s = await subscribe(deps, tenantId, group, str(body.pattern), str(body.level) as InterestLevel, t);
    return { text: `Group "${group}" is now ${s.level} for ${s.orgPattern}.`, action: 'subscription-added', detail: { group, pattern: s.orgPattern, level: s.level } };
  });
  adminChange('/people/groups/subscriptions/remove', async (tenantId, body, t) => {
    const [group, pattern] = [str(body.group), str(body.pattern).toLowerCase()];
    await unsubscribe(deps, tenantId, group, pattern, t);
    return { text: `Group "${group}" is no longer subscribed to ${pattern}.`, action: 'subscription-removed', detail: { group, pattern } };
  });

  // A user named in the URL: 404 when not of this tenant, then admin only.
  const userChange = (path: string, work: (tenantId: number, user: User, body: Record<string, unknown>, actor: string, t: Transaction) => Promise<{ text: string; action: string; detail?: Record<string, unknown> }>) =>
    router.post(`/people/:handle/${path}`, csrfProtection, async (req, res, next) => {
      try {
        const user = await userOf(req, res);
        if (!user) return notFound(res);
        requireAdmin(req, res, () =>
          void formChange(deps, req, res, next, '/people', async (t) => {
            const me = siteUser(res);
            const done = await work(me.tenantId, user, req.body as Record<string, unknown>, me.handle, t);
            return { text: done.text, trail: { action: done.action, detail: { handle: user.handle, ...done.detail } } };
          }),
        );
      } catch (err) {
        next(err);
      }
    });

  userChange('role', async (tenantId, user, body, _actor, t) => {
    const updated = await setRole(deps, tenantId, user.handle, str(body.role), t);
    return { text: `${updated.handle} is now ${updated.role === 'admin' ? 'an admin' : 'an engineer'}.`, action: 'user-role', detail: { from: user.role, to: updated.role } };
  });
  userChange('remove', async (tenantId, user, _body, actor, t) => {
    if (user.handle === actor) throw new DatamerError('INPUT_INVALID', 'you cannot remove yourself; ask another admin');
    const unassign = async (eventId: number, within: Transaction) => void (await changeEvent(deps, tenantId, eventId, { command: 'unassign', actor, via: 'web' }, within));
    const removal = await removeUser(deps, tenantId, user.handle, unassign, t);
    const back = removal.assignedEvents.length ? ` Their events ${removal.assignedEvents.map((id) => `#${id}`).join(', ')} are open again.` : '';
    return { text: `User ${user.handle} removed.${back}`, action: 'user-removed', detail: { memberships: removal.memberships, unassigned: removal.assignedEvents } };
  });

  return router;
}
