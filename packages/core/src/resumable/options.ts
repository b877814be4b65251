import { checkNumberOption } from '../check-option.js';
import { checkEventName, jsonSerializer } from '../encode.js';
import { DEFAULT_GAP_EVENT } from '../gap-event.js';
import type { Serializer } from '../types.js';
import type { ResumableLimits, ResumableLog } from './log.js';
import { memoryLog } from './memory-log.js';

/** The name of the event that ends every resumable stream; its data is the `TerminalState` as JSON. */
export const DEFAULT_END_EVENT = 'ssekit-end';
/** The name of the event a reader gets when its stream is gone while it reads (TTL passed). */
export const DEFAULT_GONE_EVENT = 'ssekit-gone';

/** Options of `createResumable`. Durations in milliseconds, sizes in UTF-8 bytes. */
export interface ResumableOptions {
  /** Where streams are kept. Default: `memoryLog()`, this process only; a shared log serves every instance. */
  log?: ResumableLog;
  /** Most events kept per stream; older ones are trimmed and a reader asking for them gets the gap event. Default 10 000. */
  maxEvents?: number;
  /** Most bytes of event data and names kept per stream; trimmed like `maxEvents`. Default 4 MiB. */
  maxBytes?: number;
  /** How long a finished stream stays readable; then it is gone (404). Default 600 000 (10 minutes). */
  ttl?: number;
  /** How long a producer may run; then its signal aborts and readers get `cancelled` / `'max-duration'`. Default 600 000. */
  maxDuration?: number;
  /** Events a reader takes from the log per read: what one reader holds while it catches up. Default 256. */
  pageSize?: number;
  /**
   * How long after `maxDuration` a stream still running is taken for one whose producer's instance
   * died: a reader then ends it with `error`. Default 30 000.
   */
  producerLostAfter?: number;
  /** Turns non-string data into text. Default `JSON.stringify`. */
  serializer?: Serializer;
  /** The terminal event's name. Default `'ssekit-end'`. */
  endEvent?: string;
  /** The gap event's name (a reader asking for trimmed events). Default `'ssekit-gap'`, as channels. */
  gapEvent?: string;
  /** The gone event's name. Default `'ssekit-gone'`. */
  goneEvent?: string;
  /**
   * The `message` of the `error` terminal state readers get when a producer throws. Default: the
   * fixed text `'The producer failed.'`, so no server detail reaches clients.
   */
  errorMessage?: (error: unknown) => string;
  /**
   * Told about what a producer threw (after its stream ended with `error`) and about log failures.
   * Default: `console.error`. If it throws, that is logged too; the process never crashes.
   */
  onError?: (error: unknown, streamId: string) => void;
}

/** `ResumableOptions` checked, with every default filled in. */
export interface ResolvedResumableOptions {
  readonly log: ResumableLog;
  readonly limits: ResumableLimits;
  readonly pageSize: number;
  readonly producerLostAfter: number;
  readonly serializer: Serializer;
  readonly endEvent: string;
  readonly gapEvent: string;
  readonly goneEvent: string;
  readonly errorMessage: (error: unknown) => string;
  readonly onError: (error: unknown, streamId: string) => void;
}

const COUNT = { integer: true, min: 1, requirement: 'a whole number > 0' } as const;
// Timers take at most 2^31 - 1 ms; a longer one would fire at once.
const MS = {
  integer: true,
  min: 1,
  max: 2_147_483_647,
  requirement: 'a whole number of milliseconds from 1 to 2147483647',
} as const;

/**
 * Checks `ResumableOptions` and fills in the defaults.
 *
 * @throws SSERangeError / SSEFieldError (`ERR_SSE_INVALID_OPTION`) for an option out of range or an event name with a line break
 */
export function resolveResumableOptions(options: ResumableOptions): ResolvedResumableOptions {
  const endEvent = options.endEvent ?? DEFAULT_END_EVENT;
  const gapEvent = options.gapEvent ?? DEFAULT_GAP_EVENT;
  const goneEvent = options.goneEvent ?? DEFAULT_GONE_EVENT;
  for (const name of [endEvent, gapEvent, goneEvent]) checkEventName(name);
  const onError = options.onError;
  return {
    log: options.log ?? memoryLog(),
    limits: {
      maxEvents: checkNumberOption('maxEvents', options.maxEvents, { ...COUNT, fallback: 10_000 }),
      maxBytes: checkNumberOption('maxBytes', options.maxBytes, { ...COUNT, fallback: 4 * 1024 * 1024 }),
      ttl: checkNumberOption('ttl', options.ttl, { ...MS, fallback: 600_000 }),
      maxDuration: checkNumberOption('maxDuration', options.maxDuration, { ...MS, fallback: 600_000 }),
    },
    pageSize: checkNumberOption('pageSize', options.pageSize, { ...COUNT, max: 10_000, fallback: 256 }),
    producerLostAfter: checkNumberOption('producerLostAfter', options.producerLostAfter, {
      ...MS,
      fallback: 30_000,
    }),
    serializer: options.serializer ?? jsonSerializer,
    endEvent,
    gapEvent,
    goneEvent,
    errorMessage: options.errorMessage ?? (() => 'The producer failed.'),
    onError: (error, streamId) => {
      try {
        if (onError) onError(error, streamId);
        else console.error(`[@ssekit/core] resumable stream ${streamId} failed.`, error);
      } catch (thrown) {
        console.error('[@ssekit/core] a resumable onError failed.', thrown);
      }
    },
  };
}
