// The event list reads its pages off an index (migration 72): that only works while the list's
// ORDER BY uses the index's expressions exactly.
import { expect } from 'chai';
import { LIST_KEY } from '../../../migrations/2026-12-03-72-site-list-and-login-links.js';
import { SEVERITY_RANK_SQL, UNASSIGNED_SQL } from '../../../src/events/site-queries.js';

describe('the event list order and its index', () => {
  it('orders by the very expressions the index holds', () => {
    expect(LIST_KEY).to.equal(`tenant_id, (${SEVERITY_RANK_SQL}), (${UNASSIGNED_SQL}), created_at, id`);
  });
});
