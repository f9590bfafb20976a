// truth.json as a stream of chunks: one message per line, so a truth with hundreds of thousands
// of messages is never one giant string, and the file still diffs and greps well.
import type { Truth } from './truth.js';

export function* truthChunks(truth: Truth): Generator<string> {
  const { messages, incidents, problems, scheduleAlerts, quietStreams, ...head } = truth;
  yield `{\n${Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join('')}  "messages": [\n`;
  for (let i = 0; i < messages.length; i++) yield `    ${JSON.stringify(messages[i])}${i < messages.length - 1 ? ',' : ''}\n`;
  yield '  ],\n';
  const list = (name: string, items: unknown[], last: boolean) =>
    `  ${JSON.stringify(name)}: [${items.length ? '\n' + items.map((x) => `    ${JSON.stringify(x)}`).join(',\n') + '\n  ' : ''}]${last ? '' : ','}\n`;
  yield list('incidents', incidents, false);
  yield list('problems', problems, false);
  yield list('scheduleAlerts', scheduleAlerts, false);
  yield list('quietStreams', quietStreams, true);
  yield '}\n';
}
