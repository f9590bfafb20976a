// `npx datamer …` (bin/datamer.js loads this after building).
import { runCli } from './program.js';

// `datamer replay … | head`: once the reader has gone, stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`datamer: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
