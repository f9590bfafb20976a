// `npx datamer …` (bin/datamer.js loads this after building).
import { runCli } from './program.js';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`datamer: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
