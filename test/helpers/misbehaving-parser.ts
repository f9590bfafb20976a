// A parser thread for parse-pool tests: it parses like the real one, except that a message
// with the header `X-Parser-Test: die` ends the thread and one with `X-Parser-Test: spin`
// keeps it busy for ever, as a message that trips a parser bug would.
import { parentPort } from 'node:worker_threads';
import { parseMessage } from '../../src/ingest/parse.js';
import type { ParseRequest } from '../../src/ingest/parse-thread.js';

parentPort?.on('message', ({ id, raw }: ParseRequest) => {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const head = bytes.toString('latin1', 0, 2000);
  if (head.includes('X-Parser-Test: die')) process.exit(3);
  if (head.includes('X-Parser-Test: spin')) for (;;);
  void parseMessage(bytes).then((parsed) => parentPort!.postMessage({ id, parsed }));
});
