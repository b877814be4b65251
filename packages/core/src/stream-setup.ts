import type { StreamSetup } from './lazy-stream.js';
import { type SSEOptions, validateSSEOptions } from './options.js';
import { StreamGroup } from './stream-group.js';

/** A `StreamSetup` whose group is always there: the one an adapter's `sse(...)` call owns. */
export interface GroupedSetup extends StreamSetup {
  readonly group: StreamGroup;
}

/**
 * What every adapter's `sse(options)` does first: checks the options, so a bad one fails in the
 * call that wrote it rather than on the first request, and makes the call's group, whose drain
 * encodes its last event with the same `serializer` as the streams. Reached through
 * `@ssekit/core/internal`.
 *
 * @throws SSERangeError / SSEFieldError for an invalid option
 */
export function streamSetup(options: SSEOptions): GroupedSetup {
  validateSSEOptions(options);
  return { options, group: new StreamGroup(options) };
}
