import { fileURLToPath } from 'node:url';
import { type ChildServer, childRuntimes, startChildServer } from '@ssekit/test-kit';

/** The package root: children run there so they resolve everything from its node_modules. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** A fixture server of this package on Bun or Deno. */
export interface RuntimeServer {
  name: 'bun' | 'deno';
  /** Starts the server: `mode` is `conformance` or `runtime`, then the server's own arguments. */
  start(mode: string, ...rest: string[]): Promise<ChildServer>;
}

/** Bun.serve and Deno.serve, each with the bare fetch handler of fixtures/app.ts. */
export const runtimeServers: RuntimeServer[] = (['bun', 'deno'] as const).map((name) => ({
  name,
  start: (mode, ...rest) =>
    startChildServer(
      childRuntimes[name].command(),
      childRuntimes[name].args(`test/fixtures/server.${name}.ts`, mode, ...rest),
      { cwd: packageRoot },
    ),
}));
