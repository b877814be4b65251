// Starts a Node server the way supertest does, so a route of an Express or Koa app is read over
// real HTTP. `node:http` is imported only when such a server is given, so the testing entry still
// loads where Node's modules do not exist (a Hono test on Workers or Deno).

/** A Node request handler: an Express app, Koa's `app.callback()`. */
export type NodeHandler = (request: never, response: never) => unknown;

/** An `http.Server`, listening or not. */
export interface NodeServerLike {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): unknown;
  close(callback?: () => void): unknown;
  closeAllConnections?(): void;
}

function isServer(source: unknown): source is NodeServerLike {
  const server = source as NodeServerLike;
  return typeof server.listen === 'function' && typeof server.address === 'function';
}

/**
 * Requests `path` from the app or server; a handler (or a server not listening yet) is served on
 * 127.0.0.1 on a free port, and `close` stops it again. A server that was already listening is left so.
 */
export async function requestNodeServer(
  source: NodeHandler | NodeServerLike | { callback(): NodeHandler },
  path: string,
  init: RequestInit | undefined,
  signal: AbortSignal,
): Promise<{ response: Response; close(): Promise<void> }> {
  let server: NodeServerLike;
  if (isServer(source)) server = source;
  else {
    // A computed specifier: the package's types do not depend on @types/node, and a bundler for the
    // browser does not try to resolve a module it can never load.
    const specifier = 'node:http';
    const { createServer } = (await import(specifier)) as {
      createServer(handler: NodeHandler): NodeServerLike;
    };
    server = createServer(typeof source === 'function' ? source : source.callback());
  }
  const ours = !server.address();
  if (ours) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = async () => {
    if (!ours) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  };
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, signal });
    return { response, close };
  } catch (error) {
    await close();
    throw error;
  }
}
