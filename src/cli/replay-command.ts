// datamer replay --mbox FILE [--tenant T]: the replay engine (src/replay) with an mbox file
// as its source and stdout as its output.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { DatamerError } from '../errors.js';
import { readMbox } from '../mailboxes/mbox.js';
import { serializeLine } from '../replay/lines.js';
import { DEFAULT_REPLAY_TENANT, replay } from '../replay/replay.js';
import { writeLine, type CliIo } from './io.js';

export function replayCommand(program: Command, io: CliIo): void {
  program
    .command('replay')
    .description('process an mbox in time order (Received, else Date) on a fresh in-memory database, with a virtual clock; prints JSON Lines (see docs/replay.md)')
    .requiredOption('--mbox <file>', 'the mbox file to replay')
    .option('--tenant <name>', 'the name of the replay tenant', DEFAULT_REPLAY_TENANT)
    .action(async (options: { mbox: string; tenant: string }) => {
      const config = loadConfig(io.env);
      const info = await stat(options.mbox).catch(() => null);
      if (!info?.isFile()) throw new DatamerError('INPUT_INVALID', `cannot read ${options.mbox}: no such file`);
      const maxBytes = config.smtp.maxBytes;
      const summary = await replay(readMbox(options.mbox, { keepAtMost: maxBytes }), (line) => writeLine(io.stdout, serializeLine(line)), {
        tenant: options.tenant,
        maxBytes,
        grace: config.grace,
      });
      writeLine(
        io.stderr,
        `datamer: replayed ${summary.messages} messages: ${summary.stored} stored, ${summary.duplicates} duplicates, ${summary.rejected} rejected`,
      );
    });
}
