// The edges of the delay histogram the reports' rollups keep (docs/web.md, Reports), in seconds:
// a value v falls in bucket i when edge i-1 <= v < edge i (bucket 0: under the first edge; the
// last: from the last edge on). The report's own distribution (queries.ts, DELAY_BUCKETS) is a
// sum of these buckets, so its limits are among them. The rollup table's columns mean these
// edges: they were made by migrations/2026-12-04-20-report-rollups.ts with its own frozen copy
// (test/unit/reports/delay-edges.test.ts checks the two agree). Other edges need a new migration.
export const DELAY_EDGES_S = [
  1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 420, 600, 900, 1200, 1800, 2400, 3600, 5400, 7200, 10_800, 14_400, 21_600, 28_800,
  43_200, 64_800, 86_400, 129_600, 172_800, 259_200, 345_600, 432_000, 604_800, 1_209_600, 2_592_000,
] as const;
export const DELAY_BUCKET_COUNT = DELAY_EDGES_S.length + 1;
