import { fileURLToPath } from 'node:url';
import { type ChildServer, childRuntimes, startChildServer as start } from '@ssekit/test-kit';

/** The package root: children run there so they resolve everything from its node_modules. */
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The runtimes the tests start as child processes, running this package's fixture servers. */
export const runtimes = {
  bun: {
    name: 'bun',
    command: childRuntimes.bun.command(),
    args: (mode: string, ...rest: string[]) =>
      childRuntimes.bun.args('test/fixtures/server.bun.ts', mode, ...rest),
  },
  deno: {
    name: 'deno',
    command: childRuntimes.deno.command(),
    args: (mode: string, ...rest: string[]) =>
      childRuntimes.deno.args('test/fixtures/server.deno.ts', mode, ...rest),
  },
} as const;

/** Spawns `command args` in this package's root; see test-kit's `startChildServer`. */
export function startChildServer(command: string, args: string[], timeoutMs?: number): Promise<ChildServer> {
  return start(command, args, { cwd: packageRoot, timeoutMs });
}
