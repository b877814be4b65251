// Where the runtime suites find Bun, Deno and Node 24. They live outside the workspace (see
// .ci/runtimes/package.json) so that `pnpm install` never downloads them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import runtimes from '../../../.ci/runtimes/package.json' with { type: 'json' };

/** A runtime the tests start as a child process. */
export type Runtime = keyof typeof runtimes.binaries;

/**
 * The absolute path of `runtime`'s binary, as `.ci/runtimes/package.json` lists it. Throws, saying how
 * to install it, when it is missing.
 */
export function runtimeBinary(runtime: Runtime): string {
  const path = fileURLToPath(new URL(`../../../.ci/runtimes/${runtimes.binaries[runtime]}`, import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`${runtime} is not installed at ${path}: run \`pnpm runtimes\` (pnpm test does) first.`);
  }
  return path;
}
