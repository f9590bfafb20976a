// Passwords for the site. argon2id with the parameters OWASP's Password Storage Cheat Sheet
// gives as its first choice (m=19 MiB, t=2, p=1; @node-rs/argon2's defaults), stored as a PHC
// string so the parameters travel with the hash. The only writer of users.password_hash.
import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { User } from '../../models/index.js';
import { findUser } from './people.js';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** NIST SP 800-63B §3.1.1.2: at least 8 characters; a shared team console deserves a few more. */
export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 1_000;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Sets (or replaces) a user's password; the user logs in with their handle or email. */
export async function setPassword(deps: Deps, tenantId: number, handle: string, password: string, transaction?: Transaction): Promise<User> {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new DatamerError('INPUT_INVALID', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new DatamerError('INPUT_INVALID', `the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  const user = await findUser(deps, tenantId, handle, transaction);
  await user.update({ passwordHash: await hashPassword(password) }, { transaction });
  return user;
}

// Verified when nobody matches, so that an unknown user takes as long as a wrong password and
// the answer's timing does not tell which handles exist.
let decoy: Promise<string> | null = null;

/** The user of the tenant with that handle or email and that password, or null. */
export async function checkPassword(deps: Deps, tenantId: number, login: string, password: string): Promise<User | null> {
  const key = login.trim().toLowerCase();
  const user = key === '' ? null : await deps.db.models.User.findOne({ where: { tenantId, ...(key.includes('@') ? { email: key } : { handle: key }) } });
  if (password.length > MAX_PASSWORD_LENGTH) return null;
  if (!user?.passwordHash) {
    decoy ??= hashPassword('no such user, no such password');
    await verify(await decoy, password).catch(() => false);
    return null;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  return ok ? user : null;
}
