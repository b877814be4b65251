import { checkEventName, dataToText } from '../encode.js';
import type { TerminalState } from './log.js';
import type { ResolvedResumableOptions } from './options.js';

/** What a producer is given. */
export interface ProducerContext {
  /** The stream's id. */
  readonly streamId: string;
  /**
   * Aborts when the stream is cancelled (from any instance), reaches `maxDuration`, or is ended by
   * someone else: pass it to the model call so that it stops too. A client leaving does NOT abort it.
   */
  readonly signal: AbortSignal;
  /**
   * Appends one event to the stream's log (strings verbatim, other data through the serializer).
   * Resolves `true` once stored, `false` when the stream no longer runs (nothing was stored: stop).
   * Calls are stored in call order; awaiting each is not required.
   *
   * @throws SSEFieldError, synchronously, for an event name with a line break or unserializable data
   */
  send(data: unknown, options?: { readonly event?: string | undefined }): Promise<boolean>;
}

/**
 * The code that generates a stream: a function given the `ProducerContext` that either sends events
 * itself (and resolves when done) or returns an iterable (async, a generator, an array) whose items
 * are sent as `message` events; any other value it returns is ignored (a string too: it is not taken
 * as a list of characters). Returning or resolving ends the stream with `done`; a throw or rejection
 * ends it with `error`.
 */
export type Producer = (
  context: ProducerContext,
) => AsyncIterable<unknown> | Iterable<unknown> | PromiseLike<unknown> | unknown;

/** Whether a producer's result is a list of events to send: any iterable but a string. */
function isEventList(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  return (
    typeof candidate[Symbol.asyncIterator] === 'function' || typeof candidate[Symbol.iterator] === 'function'
  );
}

/**
 * Runs the producer of a stream this instance created, until it finishes, throws, or the stream
 * ends otherwise (cancel from any instance, `maxDuration`). Writes the terminal state; never rejects.
 */
export async function runProducer(
  streamId: string,
  generation: string,
  producer: Producer,
  options: ResolvedResumableOptions,
): Promise<void> {
  const { log, serializer } = options;
  const controller = new AbortController();
  const { signal } = controller;
  // Told by the log when anyone, on any instance, ends the stream (a cancel): abort the producer.
  const unwatch = log.watch(streamId, (change) => {
    if (change.terminal) controller.abort();
  });
  const end = (terminal: TerminalState) => log.finish(streamId, generation, terminal);
  const timer = setTimeout(() => {
    end({ state: 'cancelled', reason: 'max-duration' }).then(
      () => controller.abort(),
      (error) => options.onError(error, streamId),
    );
  }, options.limits.maxDuration);
  const send = (data: unknown, sendOptions?: { readonly event?: string | undefined }): Promise<boolean> => {
    const event = sendOptions?.event;
    if (event !== undefined) checkEventName(event);
    const text = dataToText(data, serializer);
    if (signal.aborted) return Promise.resolve(false);
    return log.append(streamId, generation, { event, data: text }).then((seq) => {
      if (seq !== undefined) return true;
      controller.abort();
      return false;
    });
  };
  let terminal: TerminalState = { state: 'done' };
  let failure: { error: unknown } | undefined;
  try {
    const result = await (producer({ streamId, signal, send }) as unknown);
    if (isEventList(result)) {
      for await (const item of result) if (!(await send(item))) break;
    }
  } catch (error) {
    failure = { error };
  } finally {
    // The producer has returned: its own end below must not abort the signal it was given.
    clearTimeout(timer);
    unwatch();
  }
  try {
    if (failure) {
      let message: string;
      try {
        message = options.errorMessage(failure.error);
      } catch (error) {
        options.onError(error, streamId);
        message = 'The producer failed.';
      }
      terminal = { state: 'error', message };
    }
    // After a cancel the stream has ended already: this changes nothing, and what the producer
    // threw on being aborted is not a failure to report.
    if ((await end(terminal)) && failure) options.onError(failure.error, streamId);
  } catch (error) {
    options.onError(error, streamId);
  }
}
