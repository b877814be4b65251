/**
 * What each engine's tests (`@ssekit/redis`, `@ssekit/nats`) supply to the test bodies they share
 * (`describeReplayMemory`, `describeStalledInstance`): its server, and how to write to its log
 * directly. Instances are its test/fixtures/instance.mjs (test-kit's instance server).
 */
export interface EngineHarness {
  /** Shown in the test name, e.g. `real Redis`. */
  name: string;
  /** The package's name in packages/ (`redis`), whose test/fixtures/instance.mjs serves the channel. */
  pkg: string;
  packageRoot: string;
  /** Whether the engine's server is installed; the tests are skipped if not. */
  available: boolean;
  /**
   * Starts a fresh server of the engine (and whatever client `fill` uses) and returns the
   * environment of an instance on it whose channel keeps at least `keep` events.
   */
  start(keep: number): Promise<Record<string, string>>;
  /**
   * Appends `count` events straight to the channel's store, as many sends would (the n-th with
   * data `<prefix><n>:<data>`), and returns their SSE ids, in order. `probeId`, the id the channel
   * gave an event sent just before, is for an engine whose ids carry more than the store's position
   * (NATS's stream epoch).
   */
  fill(count: number, prefix: string, data: string, probeId: string): Promise<string[]>;
  /** Stops the server and every client of it. */
  stop(): Promise<void>;
}
