import type { StreamSetup } from './lazy-stream.js';
import { type SSEOptions, validateSSEOptions } from './options.js';
import { StreamGroup } from './stream-group.js';

/** A `StreamSetup` with its group: the one an adapter's `sse(...)` call owns and drains. */
export interface GroupedSetup extends StreamSetup {
  /** The group every stream of the call joins; its `close()` drains them. */
  readonly group: StreamGroup;
}

/**
 * For adapter authors: what an adapter's `sse(options)` does first. Checks the options, so a bad
 * one fails in the call that wrote it rather than on the first request, and makes the call's
 * group, whose drain encodes its last event with the same `serializer` as the streams. Open each
 * stream with the returned setup (`openNodeStream`, or `group` in `openSSEStream`'s request) and
 * give the returned handler the group's `size` and `close` with `withStreamGroup`.
 *
 * @throws SSERangeError / SSEFieldError for an invalid option
 */
export function streamSetup(options: SSEOptions): GroupedSetup {
  validateSSEOptions(options);
  return { options, group: new StreamGroup(options) };
}
