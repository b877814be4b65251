import { invalidOption } from '@ssekit/core/internal';

/** Largest delay `setTimeout` keeps (a longer one fires at once). */
export const MAX_DELAY = 2_147_483_647;

/**
 * A numeric option: `fallback` when it is not given, else a number from `min` to `max` (default
 * `MAX_DELAY`; NaN fails both comparisons). `also` names another accepted value for the message (", or false").
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) naming the option and quoting the value.
 */
export function numberOption<Fallback>(
  name: string,
  value: unknown,
  fallback: Fallback,
  min: number,
  max = MAX_DELAY,
  also = '',
): number | Fallback {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value >= min && value <= max) return value;
  throw invalidOption(name, value, `a number from ${min} to ${max}${also}`);
}

const isFunction = (value: unknown) => typeof value === 'function';
const FUNCTION: TypeRule = [isFunction, 'a function'];

/** A test an option's value must pass when given, and what it accepts (for the message). */
type TypeRule = [test: (value: unknown) => boolean, requirement: string];

/** The options of `connect` that are not numbers, each with what it accepts. */
const TYPE_RULES: Record<string, TypeRule> = {
  lastEventId: [
    (value) => typeof value === 'string' && !/[\r\n\0]/.test(value),
    'a string without CR, LF or NUL',
  ],
  gapEvent: [
    (value) => value === false || (typeof value === 'string' && value !== ''),
    'an event name or false',
  ],
  parse: [
    (value) => value === 'json' || value === 'text' || isFunction(value),
    "'json', 'text' or a function",
  ],
  signal: [(value) => value instanceof AbortSignal, 'an AbortSignal'],
  fetch: FUNCTION,
  pause: FUNCTION,
  share: FUNCTION,
};

/**
 * Checks the options of `connect` that are not numbers, in one pass over `TYPE_RULES`.
 *
 * @throws SSEFieldError (`ERR_SSE_INVALID_OPTION`) for the first one of the wrong kind.
 */
export function checkTypes(options: object): void {
  for (const name in TYPE_RULES) {
    const value = (options as Record<string, unknown>)[name];
    const [test, requirement] = TYPE_RULES[name] as TypeRule;
    if (value !== undefined && !test(value)) throw invalidOption(name, value, requirement, 'type');
  }
}
