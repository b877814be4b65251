// Serves a package's test app on Bun.serve, for the fixture servers the tests start as child processes
// (`bun server.bun.ts [conformance] [idleTimeoutSeconds]`). Prints `LISTENING <port>` once it accepts
// connections. In conformance mode, on SIGTERM it shuts down as the READMEs' recipe does: drains every
// stream, stops the server gracefully, and exits with code 0.
import { createConformanceApp, SHUTDOWN_DRAIN } from '../app.js';
import type { ConformanceApp } from '../harness.js';

/** A fetch handler as Bun calls it: the Bun server is the second argument (sse() uses it). */
type BunFetch = (request: Request, server: unknown) => Response | Promise<Response>;

/** The parts of Bun's global used here (the repo does not install Bun's types). */
declare const Bun: {
  argv: string[];
  serve(options: { hostname: string; port: number; idleTimeout?: number; fetch: BunFetch }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};
declare const process: { once(signal: 'SIGTERM', listener: () => void): void; exit(code: number): never };

/** Starts `createFetch(conformance app or undefined)` on 127.0.0.1, a free port, per the process arguments. */
export function serveOnBun(createFetch: (conformance: ConformanceApp | undefined) => BunFetch): void {
  const [mode = 'runtime', idleTimeout = '10'] = Bun.argv.slice(2);
  const conformance = mode === 'conformance' ? createConformanceApp() : undefined;
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: Number(idleTimeout),
    fetch: createFetch(conformance),
  });
  console.log(`LISTENING ${server.port}`);
  if (conformance) {
    process.once('SIGTERM', async () => {
      await conformance.drain(SHUTDOWN_DRAIN);
      await server.stop();
      process.exit(0);
    });
  }
}
