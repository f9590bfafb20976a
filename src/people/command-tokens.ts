// A user's command token: the secret in the reply address of DaTamer's mail to them
// (src/reply-address.ts, docs/commands.md), made the first time it is needed, and rotated on request.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { User } from '../../models/index.js';
import { newCommandToken, replyAddress } from '../reply-address.js';
import { findUser } from './people.js';

/** The user's token, made the first time DaTamer needs it. */
export async function commandTokenOf(deps: Deps, user: User, transaction?: Transaction): Promise<string> {
  if (user.commandToken) return user.commandToken;
  const token = newCommandToken();
  // Only if still unset: two processes making one at once agree on the first.
  await deps.db.models.User.update({ commandToken: token }, { where: { tenantId: user.tenantId, id: user.id, commandToken: null }, transaction });
  await user.reload({ transaction });
  return user.commandToken!;
}

/** The reply address of mail to this user about this event: their token in it, made if need be. */
export async function replyAddressFor(deps: Deps, from: string, user: User, eventId: number | null, transaction?: Transaction): Promise<string> {
  return replyAddress(from, await commandTokenOf(deps, user, transaction), eventId);
}

/** A new token for the user: replies to mail sent before no longer command. */
export async function rotateCommandToken(deps: Deps, tenantId: number, handle: string, transaction?: Transaction): Promise<User> {
  const user = await findUser(deps, tenantId, handle, transaction);
  await user.update({ commandToken: newCommandToken() }, { transaction });
  return user;
}
