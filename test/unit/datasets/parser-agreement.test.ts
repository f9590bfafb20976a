// The truth must say what DaTamer's real parser and classifier make of each message: every
// generated message goes through parseMessage and classifyMessage (no rules), and the result
// is compared with the truth's expectation. This keeps the truth honest.
import { expect } from 'chai';
import { classifyMessage } from '../../../src/classification/classifier.js';
import { compileRules } from '../../../src/classification/rules.js';
import { generateCorpus } from '../../../src/datasets/generate.js';
import { parseMessage } from '../../../src/ingest/parse.js';
import { splitMbox } from '../../../src/mailboxes/mbox.js';
import { rejectionOf } from '../../../src/ingest/admission.js';
import { messageIdHeader } from '../../../src/replay/message-time.js';

describe('generated corpus: the truth agrees with DaTamer\'s parser', () => {
  for (const seed of [1, 7]) {
    it(`classifies every message of a 2-day corpus (seed ${seed}) as the truth expects`, async () => {
      const corpus = generateCorpus({ seed, days: 2, scale: 1 });
      const raws = splitMbox(corpus.mbox());
      expect(raws.length).to.equal(corpus.truth.messages.length);
      const noRules = compileRules([]);
      const disagreements: string[] = [];
      for (const m of corpus.truth.messages) {
        const raw = raws[m.index]!;
        expect(rejectionOf(raw, 25 * 1024 * 1024) !== null, `message ${m.index} rejected?`).to.equal(m.rejected);
        if (m.rejected) continue;
        expect(messageIdHeader(raw.raw), `message ${m.index} Message-ID`).to.equal(m.messageId);
        const parsed = await parseMessage(raw.raw);
        const { classification: c, tagWarnings } = classifyMessage(parsed, noRules);
        const actual = { severity: c.severity, org: c.org, servers: [...c.servers].sort(), schedule: c.schedule, tagWarnings: tagWarnings.length };
        const wanted = { ...m.expected, tagWarnings: m.tagWarnings };
        if (JSON.stringify(actual) !== JSON.stringify(wanted)) disagreements.push(`#${m.index} ${m.tool} [${m.flags.join(',')}]: parser ${JSON.stringify(actual)} truth ${JSON.stringify(wanted)} ${JSON.stringify(tagWarnings)}`);
        if (m.stream) {
          expect(m.stream, `message ${m.index} stream`).to.equal(`org=${c.org ?? ''}|svr=${[...c.servers].sort().join(',')}|from=${parsed.fromAddress}|per=${c.schedule!.period}`);
        }
      }
      expect(disagreements, disagreements.slice(0, 5).join('\n')).to.deep.equal([]);
    });
  }
});
