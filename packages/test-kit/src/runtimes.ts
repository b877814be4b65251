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

/** A tsconfig without "paths", for Bun children (see `childRuntimes.bun`). */
const RUNTIME_TSCONFIG = fileURLToPath(new URL('../fixtures/tsconfig.runtime.json', import.meta.url));

/**
 * How the tests start a script (TypeScript, run from a package root) on Bun or Deno, offline and
 * from the installed node_modules only (`pnpm runtimes` installs the binaries).
 */
export const childRuntimes = {
  bun: {
    name: 'bun',
    command: () => runtimeBinary('bun'),
    args: (script: string, ...rest: string[]) => [
      // Resolve from node_modules only, never fetch a missing package.
      '--no-install',
      // Bun honours tsconfig "paths", and the root tsconfig maps @ssekit/* to their sources: this one
      // has none, so the child loads the built packages, as users do.
      `--tsconfig-override=${RUNTIME_TSCONFIG}`,
      script,
      ...rest,
    ],
  },
  deno: {
    name: 'deno',
    command: () => runtimeBinary('deno'),
    args: (script: string, ...rest: string[]) => [
      'run',
      // Offline and from the existing node_modules only; no config or lock file is read or written.
      '--no-config',
      '--no-lock',
      '--no-remote',
      '--cached-only',
      '--node-modules-dir=manual',
      // The workspace's TypeScript imports `./x.js` for `./x.ts`, as the Bundler resolution allows.
      '--sloppy-imports',
      '--allow-net=127.0.0.1',
      '--allow-read',
      '--allow-env',
      script,
      ...rest,
    ],
  },
} as const;
