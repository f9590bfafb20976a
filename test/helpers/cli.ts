// Running `datamer …` in tests: the real program in a child process for end-to-end paths, and
// runCli in this process (same code, faster) for the rest.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { projectRoot } from '../../src/paths.js';

const MAIN = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function datamer(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env, cwd: projectRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export async function inProcess(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env, stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) } });
  return { code, stdout, stderr };
}
