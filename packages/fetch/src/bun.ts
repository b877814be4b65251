// Bun's quirks for an event stream, checked against Bun 1.4.5 (packages/fetch/test: conformance on
// Bun.serve, the idle-timeout test).

/** The parts of Bun's `Server` used to lift its idle timeout (typed by shape: no Bun types needed). */
export interface BunServerLike {
  timeout(request: Request, seconds: number): void;
}

/** Whether `value` is Bun's `Server` (the second argument Bun.serve passes to `fetch`). */
export function isBunServer(value: unknown): value is BunServerLike {
  if (typeof value !== 'object' || value === null) return false;
  const server = value as { timeout?: unknown; upgrade?: unknown; requestIP?: unknown };
  // `timeout` alone could be anything's; Bun's server also has these two.
  return (
    typeof server.timeout === 'function' &&
    typeof server.upgrade === 'function' &&
    typeof server.requestIP === 'function'
  );
}

/**
 * An event stream is quiet between heartbeats, and Bun cuts connections quiet for 10 s by default
 * (`idleTimeout`), shorter than the 15 s heartbeat: lift that limit for this one response.
 */
export function liftIdleTimeout(server: BunServerLike, request: Request): void {
  server.timeout(request, 0);
}
