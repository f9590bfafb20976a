// A planned message: everything the truth says about it, decided up front, and how to write
// its bytes later (rendering is lazy, so a corpus of hundreds of thousands of messages is
// written as a stream and never held in memory at once).
import { pickStyle, styleFlags, type Format, type PackSays, type Style } from './formats/common.js';
import { buildMessage, type MailSpec } from './mime.js';
import { Rng } from './prng.js';
import { sourcesOf } from './sources.js';
import type { Server } from './topology.js';
import { streamKey, type Expected, type Flag } from './truth.js';
import type { Tagging } from './tagging.js';

export interface Draft {
  at: number;
  tool: string;
  /** the envelope sender, for the mbox From_ line */
  sender: string;
  messageId: string | null;
  expected: Expected;
  tagWarnings: number;
  incident: string | null;
  /** the routine problem it belongs to (its PROBLEM, re-notifications and RECOVERY), or null */
  problem: string | null;
  /** the checks it reports on, `tool|host|check` (sources.ts) */
  sources: string[];
  stream: string | null;
  flags: Flag[];
  rejected: boolean;
  render: () => Buffer;
  /** for a re-delivery: the message it repeats */
  original: Draft | null;
}

export interface PlanOptions<P> {
  at: number;
  host: Server;
  tags: Tagging;
  params: P;
  incident?: string | null;
  /** the routine problem it belongs to */
  problem?: string | null;
  flags?: Flag[];
  /** leave out the Message-ID header (old mailers) */
  noMessageId?: boolean;
  style?: Style;
  /** change the finished spec (hostile variations) */
  tweak?: (spec: MailSpec) => MailSpec;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const compact = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '');

function messageIdOf(tool: string, at: number, serial: number, address: string): string {
  const domain = address.slice(address.indexOf('@') + 1);
  const sec = Math.floor(at / 1000);
  switch (tool) {
    case 'nagios': return `<${compact(at)}.${serial}@${domain}>`;
    case 'zabbix': return `<${serial}.${sec}.zabbix@${domain}>`;
    case 'alertmanager': return `<${sec}${pad(serial % 1000, 3)}${pad(serial, 6)}.${serial.toString(36)}@${domain}>`;
    case 'jenkins': return `<${serial}.${sec}.JavaMail.jenkins@${domain}>`;
    case 'bareos': return `<bareos.${sec}.${serial}@${domain}>`;
    default: return `<${compact(at)}.${serial.toString(16).toUpperCase()}@${domain}>`;
  }
}

/** The tool pack fills what the tags leave empty (docs/tool-packs.md): the severity, the servers. */
function withPack(tags: Expected, pack: PackSays | null): Expected {
  if (pack === null) return tags;
  return {
    ...tags,
    severity: tags.severity ?? pack.severity,
    servers: tags.servers.length > 0 ? tags.servers : [...pack.servers].sort(),
  };
}

export class Planner {
  readonly drafts: Draft[] = [];
  private serial = 0;

  constructor(private readonly rng: Rng) {}

  /** A message of a tool's format; `rng` decides its style (drafting time), its details come from its own seed. */
  plan<P>(format: Format<P>, rng: Rng, o: PlanOptions<P>): Draft {
    const at = Math.floor(o.at / 1000) * 1000; // Date headers carry whole seconds
    const address = format.address(o.host, o.params);
    const style = o.style ?? pickStyle(rng, format.odds);
    const messageId = o.noMessageId ? null : messageIdOf(format.tool, at, ++this.serial, address);
    const seed = this.rng.seed();
    const e = withPack(o.tags.expected, format.pack?.(o.host, o.params, style) ?? null);
    const draft: Draft = {
      at,
      tool: format.tool,
      sender: address,
      messageId,
      expected: e,
      tagWarnings: o.tags.warnings,
      incident: o.incident ?? null,
      problem: o.problem ?? null,
      sources: sourcesOf(format.tool, o.host, o.params),
      stream: e.schedule ? streamKey(e.org, e.servers, address, e.schedule.period) : null,
      flags: [...new Set([...o.tags.flags, ...styleFlags(style), ...(o.flags ?? []), ...(messageId ? [] : (['no-message-id'] as Flag[]))])],
      rejected: false,
      original: null,
      render: () => {
        const spec = format.render({ rng: new Rng(seed), at, host: o.host, tags: o.tags, messageId, style }, o.params);
        return buildMessage(o.tweak ? o.tweak(spec) : spec);
      },
    };
    this.drafts.push(draft);
    return draft;
  }

  /** A message written by hand (hostile mail), bytes and truth given. */
  raw(d: Omit<Draft, 'original' | 'stream' | 'problem' | 'sources'> & { stream?: string | null }): Draft {
    const draft: Draft = { stream: null, problem: null, sources: [], ...d, at: Math.floor(d.at / 1000) * 1000, original: null };
    this.drafts.push(draft);
    return draft;
  }

  /** the next serial number, for hand-written Message-IDs */
  nextSerial(): number {
    return ++this.serial;
  }

  /**
   * The same message delivered again, with a relay's Received header on top when it has a
   * Message-ID: then it arrives when that header says (docs/replay.md, "The time of a message").
   */
  redeliver(original: Draft, rng: Rng): Draft {
    const id = rng.seed().toString(16).toUpperCase();
    const deliveredAt = original.at + rng.int(30, 600) * 1000;
    const hop = `Received: from mail1.example.test (mail1.example.test [10.0.3.37])\n\tby mx.example.test (Postfix) with ESMTPS id ${id}\n\tfor <ops-alerts@example.test>; ${new Date(deliveredAt).toUTCString().replace('GMT', '+0000')}\n`;
    const draft: Draft = {
      ...original,
      at: original.messageId ? deliveredAt : original.at,
      flags: [...new Set([...original.flags, 'duplicate' as Flag])],
      original,
      // Without a Message-ID only identical content is the same message: the bytes are repeated as they were.
      render: original.messageId ? () => Buffer.concat([Buffer.from(hop, 'latin1'), original.render()]) : original.render,
    };
    this.drafts.push(draft);
    return draft;
  }
}
