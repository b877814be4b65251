import type { ConformanceState } from './app.js';
import type { RunningServer } from './harness.js';

// The suite's files import `until` from here with the readers below; it is the test-kit's one wait.
export { until } from '@ssekit/test-kit';

/** Returns the running server of the suite; throws if it has not started. */
export type ServerGetter = () => RunningServer;

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
