// The child processes load the built packages: CI builds before testing; locally, a missing or
// outdated build of core or nats is rebuilt here once.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's folder, where the children run. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs);
  }
  return newest;
}

/** Builds core and nats if their dist is missing or older than their sources. */
export function ensureBuilt(): void {
  const stale = ['core', 'nats'].filter((pkg) => {
    const built = join(packagesDir, pkg, 'dist', 'index.js');
    return !existsSync(built) || statSync(built).mtimeMs < newestSource(join(packagesDir, pkg, 'src'));
  });
  if (stale.length === 0) return;
  const filters = stale.flatMap((pkg) => ['--filter', `@ssekit/${pkg}`]);
  execFileSync('pnpm', [...filters, 'build'], { cwd: packagesDir, stdio: 'ignore' });
}
