/** The side of a stream `runHandler` needs: whether it is open, and closing it when user code fails. */
export interface ClosableStream {
  /** Whether the stream has closed; a stream closed from the start (HEAD) runs no user code. */
  readonly closed: boolean;
  close(): void;
}

/**
 * Runs an adapter's user code for an open stream. A synchronous throw or a rejected promise closes
 * the stream first (events already sent still reach the client, and nothing half-written follows),
 * then goes to `onFailure`, where the adapter routes it: the user's `onError`, or the framework's
 * own error path. The stream is never left open after its code failed, and no rejection goes unhandled.
 * A stream that is closed already (a HEAD request, which gets the headers only) runs no user code.
 */
export function runHandler(
  stream: ClosableStream,
  run: () => unknown,
  onFailure: (error: unknown) => void,
): void {
  if (stream.closed) return;
  const fail = (error: unknown) => {
    stream.close();
    onFailure(error);
  };
  try {
    const result = run();
    if (typeof (result as PromiseLike<unknown> | null | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, fail);
    }
  } catch (error) {
    fail(error);
  }
}
