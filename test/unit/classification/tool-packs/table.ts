// The table every tool pack's test is: a message (subject, body, sender), and what the pack must
// read in it (`null`: the pack does not take it). Each row also goes through readTool, so the
// packs tried before this one must leave it alone.
import { expect } from 'chai';
import { readTool, type ToolAlert, type ToolPack } from '../../../../src/classification/tool-packs/index.js';

export interface Row {
  why: string;
  subject: string;
  body?: string;
  from?: string;
  /** what the pack reads; `alerts` only for a mail of several */
  facts: (ToolAlert & { alerts?: ToolAlert[] }) | null;
}

export function packTable(pack: ToolPack, rows: Row[]): void {
  describe(`tool pack: ${pack.tool}`, () => {
    for (const row of rows) {
      it(row.why, () => {
        const message = { subject: row.subject, body: row.body ?? '', from: row.from ?? `${pack.tool}@mon1.example.test` };
        const read = readTool(message);
        if (row.facts === null) {
          expect(read?.tool ?? null).to.not.equal(pack.tool);
          return;
        }
        const { alerts, ...one } = row.facts;
        expect(read).to.deep.equal({ tool: pack.tool, ...one, alerts: alerts ?? [one] });
      });
    }
  });
}
