import type { Deps } from '../../src/deps.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../src/people/people.js';

/** A DBA on call: user `dba` <dba@acme.test> in group `dbas`, responder for `datamer.data.*`. */
export async function addDbaResponder(deps: Deps, tenantId: number): Promise<void> {
  await addUser(deps, tenantId, { email: 'dba@acme.test', handle: 'dba' });
  await addGroup(deps, tenantId, 'dbas');
  await joinGroup(deps, tenantId, 'dbas', 'dba');
  await subscribe(deps, tenantId, 'dbas', 'datamer.data.*', 'responder');
}
