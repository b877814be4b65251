// The one way tests wait for something that happens on another clock (a server, a child process, a
// browser): poll, and fail with a message that says what never happened.

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until it returns something other than `undefined`, and returns
 * that. Fails after `timeoutMs`, naming `what` it waited for and the probe's last error (a probe may
 * throw while the thing it reads is not ready yet).
 */
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 3000,
  intervalMs = 10,
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

/**
 * Reads `read()` every 50 ms until what it returns satisfies `holds`, and returns that (e.g. a
 * fixture server's state once its open streams are back to a count). Fails as `until` does.
 */
export function untilValue<T>(
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  return until(
    async () => {
      const value = await read();
      return holds(value) ? value : undefined;
    },
    what,
    timeoutMs,
    50,
  );
}

/** Resolves once `condition()` holds; throws after `timeoutMs`, naming `what` it waited for. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  await until(async () => ((await condition()) ? true : undefined), what, timeoutMs);
}
