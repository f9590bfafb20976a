// The engineer's own lines of a reply (reply-text.ts), read behind the fence
// (src/ingest/parse-pool.ts): a reply is mail anyone can send, and its HTML is converted to find
// them. A reply whose reading is stopped has no lines, and is answered as one without commands.
import { fence, fenceLimits } from '../ingest/parse-pool.js';

export async function replyLines(message: { text: string | null; html: string | null }): Promise<string[]> {
  const read = await fence().run<string[]>({ task: 'reply-lines', text: message.text, html: message.html }, fenceLimits().classifyTimeoutMs);
  return read.ok ? read.value : [];
}
