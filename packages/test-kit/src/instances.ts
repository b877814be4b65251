// Server instances of a channel shared through an engine, each its own process: the package's
// test/fixtures/instance.mjs, which serves test-kit's instance-server.mjs on the engine's history.
import { type ChildServer, startChildServer } from './child-server.js';

/**
 * Starts `test/fixtures/instance.mjs` of the package at `packageRoot` with `env` (and `nodeArgs`,
 * e.g. `--expose-gc`); resolves once it listens. `shutdown()` shows it exits by itself once its
 * channel is closed.
 */
export function startInstance(
  packageRoot: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  return startChildServer(process.execPath, [...nodeArgs, 'test/fixtures/instance.mjs'], {
    cwd: packageRoot,
    env,
  });
}

/**
 * Starts `count` instances alike (see `startInstance`), all at once; `script` is another fixture
 * of the package that serves the same way (prints `LISTENING <port>`).
 */
export function startInstances(
  count: number,
  packageRoot: string,
  env: Record<string, string>,
  script = 'test/fixtures/instance.mjs',
): Promise<ChildServer[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      startChildServer(process.execPath, [script], { cwd: packageRoot, env }),
    ),
  );
}

/** GETs `path` of `server` and returns the JSON answer. */
export async function getJson<T>(server: { url: string }, path: string): Promise<T> {
  return (await fetch(`${server.url}${path}`)).json() as Promise<T>;
}

/** POSTs `body` as JSON to `path` of `server` and returns the JSON answer. */
export async function postJson<T>(server: { url: string }, path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json() as Promise<T>;
}
