import type { ConformanceState } from './app.js';
import type { RunningServer } from './harness.js';

/** Returns the running server of the suite; throws if it has not started. */
export type ServerGetter = () => RunningServer;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until it returns something other than `undefined`, and returns
 * that. Fails after `timeoutMs`, naming `what` it waited for and the probe's last error.
 */
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 3000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Reads the app's `GET /state`. */
export async function readState(server: RunningServer): Promise<ConformanceState> {
  const response = await fetch(`${server.url}/state`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`GET /state answered ${response.status}`);
  return (await response.json()) as ConformanceState;
}

/** Reads what a route recorded for the request made with `?id=<id>`, if it has run. */
export async function readRecord<T>(server: RunningServer, id: string): Promise<T | undefined> {
  return (await readState(server)).records[id] as T | undefined;
}

let counter = 0;

/** A request id no other request of this process uses, for the routes' `?id=` parameter. */
export function uniqueId(topic: string): string {
  counter += 1;
  return `${topic}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
