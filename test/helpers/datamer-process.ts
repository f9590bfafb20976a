// DaTamer as users run it: `node dist/src/main.js` in its own process, so tests can kill it
// (-9 or Ctrl-C) and look at what it printed, its exit code and the database it leaves behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

/** The repository root: compiled tests live in dist/test/helpers. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
const mainJs = path.join(repoRoot, 'dist', 'src', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedDatamer {
  readonly pid: number;
  /** everything printed so far */
  stdout(): string;
  stderr(): string;
  /** resolves when the process has ended (never rejects) */
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
  kill(signal: NodeJS.Signals): void;
}

/**
 * The environment DaTamer sees: ours minus every DaTamer variable of the shell the tests run in
 * (a developer's DATAMER_SMTP_PORT must not leak into a test), plus `env`.
 */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !(k.startsWith('DATAMER_') || k === 'DATABASE_URL')),
  );
  const merged: NodeJS.ProcessEnv = { ...inherited };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** Starts `node dist/src/main.js` with exactly `env` on top of a clean environment; does not wait. */
export function spawnDatamer(env: Record<string, string | undefined>): SpawnedDatamer {
  const child: ChildProcess = spawn(process.execPath, [mainJs], { cwd: repoRoot, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  let ended = false;
  // 'close' (not 'exit'): by then the pipes are drained, so stdout()/stderr() are complete.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
    child.once('error', (e) => {
      ended = true;
      err += `could not start node: ${e.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    hasExited: () => ended,
    kill: (signal) => {
      if (!ended) child.kill(signal);
    },
  };
}

/** Runs DaTamer with `env` until it exits by itself (a start that must fail), at most `timeoutMs`. */
export async function runDatamerUntilExit(env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = spawnDatamer(env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const first = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    proc.kill('SIGKILL');
    await proc.exited;
    throw new Error(`DaTamer was expected to stop by itself but was still running after ${timeoutMs} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
  }
  return { ...first, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** One SMTP greeting and a polite QUIT: true when DaTamer's address answers on `port`. */
export function smtpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let greeted = false;
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (!greeted && text.startsWith('220')) {
        greeted = true;
        socket.write('QUIT\r\n');
      } else if (greeted && text.startsWith('221')) {
        done(true);
      }
    });
    socket.once('close', () => resolve(greeted));
  });
}

export interface DatamerProcess extends SpawnedDatamer {
  readonly smtpPort: number;
  readonly webPort: number;
  readonly dataDir: string;
  /** where this DaTamer keeps its messages */
  readonly databaseUrl: string;
  /** stdout and stderr, for a failure message */
  transcript(): string;
  /** SIGKILL if still running, wait for the exit, remove the data dir this helper made */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** unset: DaTamer's default, an SQLite file in the data dir */
  databaseUrl?: string;
  /** variables to add or override (undefined removes one) */
  env?: Record<string, string | undefined>;
  /** reuse a data dir (a restart); by default a new temporary one */
  dataDir?: string;
  timeoutMs?: number;
}

/**
 * Starts DaTamer on free ports with jobs off and waits until its SMTP address answers. A port
 * found free can be taken before DaTamer binds it (an outgoing connection's local port comes
 * from the same range): then DaTamer says so and exits, and it starts again on other ports.
 */
export async function startDatamer(options: StartOptions): Promise<DatamerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt === 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(options: StartOptions): Promise<DatamerProcess> {
  const smtpPort = await freePort();
  const webPort = await freePort();
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'datamer-data-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${path.join(dataDir, 'datamer.sqlite')}`;
  const proc = spawnDatamer({
    DATABASE_URL: options.databaseUrl,
    DATAMER_SMTP_PORT: String(smtpPort),
    DATAMER_WEB_PORT: String(webPort),
    DATAMER_JOBS: '0',
    DATAMER_DATA_DIR: dataDir,
    DATAMER_LOG_LEVEL: 'warn',
    ...options.env,
  });
  const transcript = () => `--- DaTamer stdout ---\n${proc.stdout()}--- DaTamer stderr ---\n${proc.stderr()}`;
  const dispose = async () => {
    proc.kill('SIGKILL');
    await proc.exited;
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  while (!(await smtpAnswers(smtpPort))) {
    if (proc.hasExited() || Date.now() - started > timeoutMs) {
      const why = proc.hasExited() ? 'DaTamer exited during start-up' : `DaTamer's SMTP address did not answer within ${timeoutMs} ms`;
      await dispose();
      const taken = proc.hasExited() && /is already in use/.test(proc.stderr());
      throw new (taken ? PortTaken : Error)(`${why}\n${transcript()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...proc, smtpPort, webPort, dataDir, databaseUrl, transcript, dispose };
}
