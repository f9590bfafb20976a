// The other direction: an event claimed, completed, reopened, merged or split elsewhere (CLI,
// email command, web, another mailbox) or by moving one of its messages here moves all its
// messages into the folder that says so, so that mailbox and database never disagree and the
// messages of one event stay together (docs/mailbox.md). Driven by the activity log, from where
// this mailbox last got to.
import { Op } from 'sequelize';
import { dedupKey } from '../../ingest/dedup.js';
import { destinationOf } from '../moves.js';
import { place, placementsOf } from '../workspace-store.js';
import { factsOf } from './facts.js';
import { ensureDestination, type Workspace } from './layout.js';

const BATCH = 200;

/** Where the mailbox starts following: now. Older history is not replayed into the folders. */
export async function startFollowing(ws: Workspace): Promise<void> {
  if (ws.mailbox.activityCursor !== null) return;
  const last = (await ws.deps.db.models.Activity.max('id', { where: { tenantId: ws.mailbox.tenantId } })) as number | null;
  await ws.deps.db.models.Mailbox.update({ activityCursor: last ?? 0 }, { where: { id: ws.mailbox.id, tenantId: ws.mailbox.tenantId } });
  ws.mailbox.activityCursor = last ?? 0;
}

export async function followChanges(ws: Workspace): Promise<number> {
  const { deps, mailbox, session } = ws;
  const { Activity, EventMessage, Mailbox } = deps.db.models;
  let moved = 0;
  for (;;) {
    const activities = await Activity.findAll({
      // Moves made in a mailbox count too: the message moved is where it belongs already (its
      // placement says so), its event's other messages follow it.
      where: { tenantId: mailbox.tenantId, id: { [Op.gt]: mailbox.activityCursor ?? 0 }, eventId: { [Op.ne]: null } },
      attributes: ['id', 'eventId'],
      order: [['id', 'ASC']],
      limit: BATCH,
    });
    if (activities.length === 0) return moved;
    const eventIds = [...new Set(activities.map((a) => a.eventId!))];
    const links = await EventMessage.findAll({ where: { tenantId: mailbox.tenantId, eventId: eventIds }, attributes: ['messageId'] });
    const messageIds = links.map((l) => l.messageId);
    const facts = await factsOf(deps, mailbox.tenantId, messageIds);
    for (const placement of await placementsOf(deps, mailbox, messageIds)) {
      const fact = facts.get(placement.messageId);
      if (!fact) continue;
      const target = await ensureDestination(ws, destinationOf(fact.folderOrg, fact.event));
      if (target === placement.path) continue;
      // Found by Message-ID where it was last seen: an engineer may have moved it meanwhile,
      // and then the folder scan, not this, says where it is.
      let refs = fact.messageIdHeader ? await session.findByMessageId(placement.path, fact.messageIdHeader) : placement.ref !== null ? [placement.ref] : [];
      // Another message has the same Message-ID: only the one with this content is this message.
      if (fact.sharesMessageId && refs.length > 0) refs = (await session.fetch(placement.path, refs)).filter((m) => dedupKey(m.raw) === fact.dedupKey).map((m) => m.ref);
      if (refs.length === 0) continue;
      const refsThere = await session.move(placement.path, refs, target);
      // Without a Message-ID the remembered reference may be stale: moved nothing, so record nothing.
      if (refsThere.size === 0 && !fact.messageIdHeader) continue;
      await place(deps, mailbox, [{ messageId: placement.messageId, path: target, ref: refsThere.get(refs[0]!) ?? null }]);
      moved++;
    }
    const cursor = activities[activities.length - 1]!.id;
    await Mailbox.update({ activityCursor: cursor }, { where: { id: mailbox.id, tenantId: mailbox.tenantId } });
    mailbox.activityCursor = cursor;
  }
}
