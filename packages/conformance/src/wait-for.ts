// The wait both stream readers (`reader.ts` over `fetch`, `raw-events.ts` over a raw socket) offer:
// a check re-run whenever the reader has read something, bounded by the stream's end and a timeout.

/** What a reader waits on: `check` to hold, unless its stream has `ended` first or `waitMs` pass. */
export interface WaitForCheck {
  check: () => boolean;
  /** Whether the stream has ended, so that `check` can no longer come to hold. */
  ended: () => boolean;
  /** What `check` waits for, for the error message. */
  what: string;
  waitMs: number;
  /** What has been read so far, labelled (`read: …`), for the error message. */
  describeRead: () => string;
}

/**
 * Resolves once `check()` holds, re-checking each time the reader runs the `watchers`; fails if the
 * stream ends first or after `waitMs`. The watcher it adds is removed again either way.
 */
export function waitForCheck(
  watchers: Set<() => void>,
  { check, ended, what, waitMs, describeRead }: WaitForCheck,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timeout);
      watchers.delete(watch);
      if (error) reject(error);
      else resolve();
    };
    const watch = () => {
      if (check()) finish();
      else if (ended()) finish(new Error(`the stream ended before ${what}; ${describeRead()}`));
    };
    const timeout = setTimeout(
      () => finish(new Error(`timed out after ${waitMs} ms waiting for ${what}; ${describeRead()}`)),
      waitMs,
    );
    watchers.add(watch);
    watch();
  });
}
