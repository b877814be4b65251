// Child processes (instance fixtures, bench servers) load the BUILT packages. CI builds before
// testing; locally, a missing or outdated build is made here once, before the children start.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Builds each named package (`'core'`, `'nats'`, …) whose dist is missing or older than its sources. */
export function ensureBuilt(packages: readonly string[]): void {
  const stale = packages.filter((pkg) => {
    const built = join(packagesDir, pkg, 'dist', 'index.js');
    return !existsSync(built) || statSync(built).mtimeMs < newestSource(join(packagesDir, pkg, 'src'));
  });
  if (stale.length === 0) return;
  const filters = stale.flatMap((pkg) => ['--filter', `@ssekit/${pkg}`]);
  execFileSync('pnpm', [...filters, 'build'], { cwd: packagesDir, stdio: 'ignore' });
}
