// Serves a package's test app on Deno.serve, for the fixture servers the tests start as child
// processes (`deno run ... server.deno.ts [conformance]`). Prints `LISTENING <port>` once it accepts
// connections. In conformance mode, on SIGTERM it shuts down as the READMEs' recipe does: drains every
// stream, shuts the server down gracefully, and exits with code 0.
import { createConformanceApp, SHUTDOWN_DRAIN } from '../app.js';
import type { ConformanceApp } from '../harness.js';

/** A fetch handler as Deno calls it. */
type DenoFetch = (request: Request, info: unknown) => Response | Promise<Response>;

/** The parts of Deno's global used here (the repo does not install Deno's types). */
declare const Deno: {
  args: string[];
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: DenoFetch,
  ): { shutdown(): Promise<void> };
  addSignalListener(signal: 'SIGTERM', listener: () => void): void;
  exit(code: number): never;
};

/** Starts `createFetch(conformance app or undefined)` on 127.0.0.1, a free port, per the process arguments. */
export function serveOnDeno(createFetch: (conformance: ConformanceApp | undefined) => DenoFetch): void {
  const conformance = Deno.args[0] === 'conformance' ? createConformanceApp() : undefined;
  const server = Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`LISTENING ${port}`) },
    createFetch(conformance),
  );
  if (conformance) {
    Deno.addSignalListener('SIGTERM', async () => {
      await conformance.drain(SHUTDOWN_DRAIN);
      await server.shutdown();
      Deno.exit(0);
    });
  }
}
