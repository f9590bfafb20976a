// `npm start`: install and build if needed, then run DaTamer in this process's place.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

ensureBuilt();
const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], { stdio: 'inherit', cwd: process.cwd() });
// Ctrl-C reaches the child through the terminal's process group; a plain SIGTERM to npm is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
