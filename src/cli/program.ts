// `datamer …`: every command, and how the CLI ends. A failure is one line on stderr starting
// with "datamer:" and a non-zero exit code; DaTamer's errors are written for users already.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { projectRoot } from '../paths.js';
import { isDatamerError, messageOf } from '../errors.js';
import { alertCommands } from './alert-commands.js';
import { eventCommands } from './event-commands.js';
import { importCommand } from './import-command.js';
import { mailboxCommands } from './mailbox-commands.js';
import { messageCommands } from './message-commands.js';
import { outboxCommands } from './outbox-commands.js';
import { maintenanceCommands } from './maintenance-commands.js';
import { writeLine, type CliIo } from './io.js';
import { peopleCommands } from './people-commands.js';
import { peopleAdminCommands } from './people-admin-commands.js';
import { replayCommand } from './replay-command.js';
import { ruleCommands } from './rule-commands.js';
import { ruleChangeCommands } from './rule-change-commands.js';
import { streamCommands } from './stream-commands.js';
import { tenantCommands } from './tenant-commands.js';

/** The version in package.json: the one the running code was built from. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('datamer')
    .version(`datamer ${packageVersion()}`, '--version', 'print the version of DaTamer')
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
  peopleAdminCommands(program, io);
  importCommand(program, io);
  replayCommand(program, io);
  ruleCommands(program, io);
  ruleChangeCommands(program, io);
  eventCommands(program, io);
  alertCommands(program, io);
  streamCommands(program, io);
  maintenanceCommands(program, io);
  mailboxCommands(program, io);
  messageCommands(program, io);
  outboxCommands(program, io);
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
