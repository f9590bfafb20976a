// The report reads the rollups' histogram columns by its edges; the migration made the columns
// by its own frozen copy of them. They must be the same edges, or every delay lands in a wrong
// bucket (src/reports/delay-edges.ts).
import { expect } from 'chai';
import { DELAY_EDGES_S as MIGRATION_EDGES } from '../../../migrations/2026-12-04-20-report-rollups.js';
import { DELAY_EDGES_S } from '../../../src/reports/delay-edges.js';

describe('the delay histogram of the report rollups', () => {
  it('has the edges the rollup migration made its columns by', () => {
    expect([...DELAY_EDGES_S]).to.deep.equal([...MIGRATION_EDGES]);
  });
});
