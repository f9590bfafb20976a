// Each tenant's message templates, and the signature of each message that arrives: the one
// module that writes `signatures` (docs/correlation.md).
//
// A process keeps a template miner per tenant, restored from the table and kept up to date with
// what other processes wrote (read again every few seconds, by `updated_at`). Only a new template
// or one that generalises is written, so once a tenant's kinds of mail are known, signing a
// message costs no database write at all. Two processes that meet a new kind of message at the
// same moment may each open a template for it; both stay valid signatures.
import { Op, type Transaction } from 'sequelize';
import { monotonicMs } from '../clock.js';
import type { Deps } from '../deps.js';
import { TemplateMiner, WILDCARD, type Template } from './drain.js';
import { MAIL_DRAIN } from './signature.js';

/** How often a process reads the templates other processes wrote. */
const REFRESH_MS = 5_000;
/** Rows are read again from this long before the newest one read: commits can land out of order. */
const OVERLAP_MS = 60_000;

interface TenantMiner {
  miner: TemplateMiner;
  newest: Date | null;
  checkedAt: number;
}

const cache = new WeakMap<object, Map<number, TenantMiner>>();

function minersOf(deps: Deps): Map<number, TenantMiner> {
  let miners = cache.get(deps.db);
  if (!miners) {
    miners = new Map();
    cache.set(deps.db, miners);
  }
  return miners;
}

async function minerOf(deps: Deps, tenantId: number): Promise<TenantMiner> {
  const miners = minersOf(deps);
  let held = miners.get(tenantId);
  if (held && monotonicMs() - held.checkedAt < REFRESH_MS) return held;
  if (!held) {
    held = { miner: new TemplateMiner(MAIL_DRAIN), newest: null, checkedAt: 0 };
    miners.set(tenantId, held);
  }
  const since = held.newest ? new Date(held.newest.getTime() - OVERLAP_MS) : null;
  const rows = await deps.db.models.Signature.findAll({
    where: { tenantId, ...(since ? { updatedAt: { [Op.gte]: since } } : {}) },
    attributes: ['id', 'template', 'updatedAt'],
    order: [['id', 'ASC']],
  });
  for (const row of rows) {
    held.miner.adopt({ id: row.id, tokens: row.template.split(' '), size: 0 });
    if (held.newest === null || row.updatedAt > held.newest) held.newest = row.updatedAt;
  }
  held.checkedAt = monotonicMs();
  return held;
}

/** Would the template take these tokens as they are (no write needed)? */
const fits = (template: Template, tokens: readonly string[]): boolean =>
  template.tokens.length === tokens.length && template.tokens.every((t, i) => t === WILDCARD || t === tokens[i]);

export interface ToSign {
  tenantId: number;
  /** from signatureTokens (signature.ts) */
  tokens: string[];
}

/**
 * The signature (template id) of each message, in order: its tenant's template, which may
 * generalise to take it, or a new one. Writes only what changed, in one transaction.
 */
export async function signMessages(deps: Deps, items: readonly ToSign[]): Promise<number[]> {
  const miners = new Map<number, TemplateMiner>();
  for (const { tenantId } of items) if (!miners.has(tenantId)) miners.set(tenantId, (await minerOf(deps, tenantId)).miner);

  const ids: number[] = [];
  let next = 0;
  // Messages of known kinds first, without a transaction; from the first that needs a write on,
  // the rest go through one.
  for (; next < items.length; next++) {
    const { tenantId, tokens } = items[next]!;
    const found = miners.get(tenantId)!.match(tokens);
    if (!found || !fits(found, tokens)) break;
    ids.push(miners.get(tenantId)!.add(tokens).template.id);
  }
  if (next === items.length) return ids;
  try {
    await deps.db.transaction(async (transaction) => {
      for (; next < items.length; next++) ids.push(await signOne(deps, miners.get(items[next]!.tenantId)!, items[next]!, transaction));
    });
  } catch (err) {
    // The miners may hold templates the rollback took back: read them afresh next time.
    for (const tenantId of miners.keys()) minersOf(deps).delete(tenantId);
    throw err;
  }
  return ids;
}

async function signOne(deps: Deps, miner: TemplateMiner, { tenantId, tokens }: ToSign, transaction: Transaction): Promise<number> {
  const { Signature } = deps.db.models;
  const now = deps.clock.now();
  if (miner.match(tokens) === null) {
    const row = await Signature.create({ tenantId, template: tokens.join(' '), tokenCount: tokens.length, createdAt: now, updatedAt: now }, { transaction });
    return miner.adopt({ id: row.id, tokens, size: 1 }).id;
  }
  const { template, changed } = miner.add(tokens);
  if (changed) await Signature.update({ template: template.tokens.join(' '), updatedAt: now }, { where: { tenantId, id: template.id }, transaction });
  return template.id;
}

/** A tenant's templates as stored, oldest first (for `datamer` commands and tests). */
export async function listSignatures(deps: Deps, tenantId: number): Promise<Array<{ id: number; template: string }>> {
  const rows = await deps.db.models.Signature.findAll({ where: { tenantId }, attributes: ['id', 'template'], order: [['id', 'ASC']] });
  return rows.map((r) => ({ id: r.id, template: r.template }));
}
