// `datamer …`: every command, and how the CLI ends. A failure is one line on stderr starting
// with "datamer:" and a non-zero exit code; DaTamer's errors are written for users already.
import { Command, CommanderError } from 'commander';
import { isDatamerError, messageOf } from '../errors.js';
import { eventCommands } from './event-commands.js';
import { importCommand } from './import-command.js';
import { mailboxCommands } from './mailbox-commands.js';
import { maintenanceCommands } from './maintenance-commands.js';
import { writeLine, type CliIo } from './io.js';
import { peopleCommands } from './people-commands.js';
import { replayCommand } from './replay-command.js';
import { ruleCommands } from './rule-commands.js';
import { streamCommands } from './stream-commands.js';
import { tenantCommands } from './tenant-commands.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('datamer')
    .description('DaTamer (DevOps Alert Tamer): admin and data commands. The database is the one `npm start` uses (DATABASE_URL or DATAMER_DATA_DIR).')
    // Settings made here are inherited by every command added below.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(`datamer: ${text.replace(/^error: /, '')}`),
    });
  tenantCommands(program, io);
  peopleCommands(program, io);
  importCommand(program, io);
  replayCommand(program, io);
  ruleCommands(program, io);
  eventCommands(program, io);
  streamCommands(program, io);
  maintenanceCommands(program, io);
  mailboxCommands(program, io);
  return program;
}

/** Runs one command line (without "node datamer"); resolves to the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its own message (usage errors, --help).
    if (err instanceof CommanderError) return err.exitCode;
    if (isDatamerError(err)) {
      writeLine(io.stderr, `datamer: ${err.message}`);
      return err.code === 'CONFIG_INVALID' ? 2 : 1;
    }
    writeLine(io.stderr, `datamer: unexpected error: ${messageOf(err)}`);
    return 1;
  }
}
