/** A channel (`createChannel`), an `sse(...)` result or a stream group: anything that counts its streams. */
export interface HasMembers {
  readonly size: number;
}

/**
 * Resolves once `target` holds at least `count` streams, so a test broadcasts only after its client
 * has joined (an event sent before is not missed: it is never sent to that client). Rejects after
 * `timeout` milliseconds (default 2000), saying how many joined.
 *
 * @example
 * const events = collect(app, { path: '/events', count: 1 });
 * await waitForMembers(channel, 1);
 * await channel.send('hello');
 */
export async function waitForMembers(
  target: HasMembers,
  count: number,
  { timeout = 2000 }: { timeout?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  // Channels announce no joins, so this checks often: a join is seen within a few milliseconds.
  while (target.size < count) {
    if (Date.now() >= deadline)
      throw new Error(`waitForMembers: ${target.size} of ${count} streams joined within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
