import { describeValue, SSEFieldError, SSERangeError } from './errors.js';

/** What a numeric option accepts. Bounds are inclusive unless `above` is used. */
export interface NumberRule {
  /** Used when the option is not given (`undefined`). Without one, the option is required. */
  fallback?: number;
  /** Only whole numbers (`Number.isSafeInteger`). Default false. */
  integer?: boolean;
  /** Smallest value accepted. */
  min?: number;
  /** The value must be greater than this. */
  above?: number;
  /** Largest value accepted. Default: finite values only when `integer`, else `Infinity` allowed. */
  max?: number;
  /** Says what is accepted, for the error's message, e.g. "a whole number of milliseconds > 0". */
  requirement: string;
}

/**
 * The one way options are refused, everywhere in ssekit: an `SSERangeError` (a number out of range)
 * or `SSEFieldError` (a value of the wrong kind), code `ERR_SSE_INVALID_OPTION`, naming the option and
 * quoting the value, with a message that says what to pass instead.
 */
export function invalidOption(
  field: string,
  value: unknown,
  requirement: string,
  kind: 'range' | 'type' = 'range',
): SSERangeError | SSEFieldError {
  return new (kind === 'range' ? SSERangeError : SSEFieldError)(
    'ERR_SSE_INVALID_OPTION',
    field,
    value,
    `${field} must be ${requirement}, got ${describeValue(value)}.`,
  );
}

/**
 * Checks a numeric option and returns it, or `rule.fallback` when it is `undefined` and has one.
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) for NaN, a non-number or a value out of range.
 */
export function checkNumberOption(field: string, value: unknown, rule: NumberRule): number {
  if (value === undefined && rule.fallback !== undefined) return rule.fallback;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (!rule.integer || Number.isSafeInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) throw invalidOption(field, value, rule.requirement);
  return value;
}

/**
 * Checks an option that must be a non-empty string.
 *
 * @throws SSEFieldError (`ERR_SSE_INVALID_OPTION`) otherwise.
 */
export function checkStringOption(field: string, value: unknown, requirement: string): string {
  if (typeof value !== 'string' || value === '') throw invalidOption(field, value, requirement, 'type');
  return value;
}

/**
 * Checks the handler of an adapter that has only the handler form (`sse(handler, options)` on Hono
 * and `@ssekit/fetch`), so `sse({ heartbeat: 1000 })` written as on Express fails where it was
 * written, at startup, instead of on every request.
 *
 * @throws SSEFieldError (`ERR_SSE_INVALID_OPTION`, field `handler`) when it is not a function.
 */
export function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') {
    throw invalidOption(
      'handler',
      handler,
      'a function: sse(handler, options) (this adapter has no sse(options) form)',
      'type',
    );
  }
}
