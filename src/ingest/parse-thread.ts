// The parser thread's side of parse-pool.ts: raw bytes in, ParsedMessage out. parseMessage
// never throws, so every request gets exactly one answer, unless the thread itself dies.
import { parentPort } from 'node:worker_threads';
import { parseMessage } from './parse.js';

export interface ParseRequest {
  id: number;
  raw: Uint8Array;
}

parentPort?.on('message', ({ id, raw }: ParseRequest) => {
  void parseMessage(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)).then((parsed) => parentPort!.postMessage({ id, parsed }));
});
