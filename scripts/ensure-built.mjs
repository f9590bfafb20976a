// Installs the dependencies and compiles DaTamer when they are missing or stale.
// Uses only Node's built-ins: on a fresh clone nothing else is there yet.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src', 'models', 'migrations', 'jobs', 'test', 'tsconfig.json', 'package-lock.json'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

function run(command, args, what) {
  const started = Date.now();
  process.stderr.write(`datamer: ${what}…\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { npm_config_nodedir: '/usr', ...process.env } });
  if (result.status !== 0) {
    process.stderr.write(`datamer: ${what} failed (${command} ${args.join(' ')} exited with ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
  process.stderr.write(`datamer: ${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** npm keeps its own record of what it installed; when the lockfile is newer, install again. */
function dependenciesStale() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return true;
  return statSync(path.join(root, 'package-lock.json')).mtimeMs > statSync(installed).mtimeMs;
}

export function ensureBuilt() {
  if (dependenciesStale()) run(npm, ['ci', '--no-audit', '--no-fund'], 'installing dependencies (first time: a few minutes, sqlite3 compiles)');
  const stamp = path.join(root, 'dist', '.build-stamp');
  const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const changedAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  if (changedAt > builtAt) {
    // A clean build: compiled leftovers of deleted sources must not linger in dist/.
    rmSync(path.join(root, 'dist'), { recursive: true, force: true });
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], 'compiling');
    mkdirSync(path.dirname(stamp), { recursive: true });
    writeFileSync(stamp, new Date().toISOString());
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureBuilt();
