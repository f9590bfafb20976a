// A fence thread for tests: it works like the real one, except for messages with the header
// `X-Parser-Test`, which misbehave as a message that trips a bug would:
//   die            ends the thread while parsing or classifying the message
//   spin           keeps the thread busy for ever while parsing it
//   spin-classify  keeps it busy for ever while classifying it with rules (classifying by tags alone works)
//   spin-always    keeps it busy for ever while classifying it in any way
import { parentPort } from 'node:worker_threads';
import { runTask, type FenceRequest } from '../../src/ingest/parse-thread.js';

export { runTask };

function behaviour(request: FenceRequest): string {
  if (request.task === 'classify' && request.parsed) return request.parsed.headers.get('x-parser-test')?.[0] ?? '';
  const raw = request.task === 'parse' || request.task === 'classify' ? request.raw : undefined;
  const head = raw ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1', 0, 2000) : '';
  return /X-Parser-Test: ([a-z-]+)/.exec(head)?.[1] ?? '';
}

parentPort?.on('message', (request: FenceRequest) => {
  const how = behaviour(request);
  if (how === 'die') process.exit(3);
  if (how === 'spin' && request.task === 'parse') for (;;);
  if (request.task === 'classify' && (how === 'spin-always' || (how === 'spin-classify' && !request.safe))) for (;;);
  void runTask(request).then((value) => parentPort!.postMessage({ id: request.id, value }));
});
parentPort?.postMessage({ ready: true });
