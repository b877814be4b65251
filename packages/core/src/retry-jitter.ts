import { checkNumberOption, invalidOption } from './check-option.js';

/**
 * Checks a `retryJitter` option: a fraction from 0 to 1, and more than 0 only beside a `retry` to
 * spread. Returns it, 0 when not given.
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) for a value out of range, or one given without `retry`.
 */
export function checkRetryJitter(retryJitter: unknown, retry: number | undefined): number {
  const jitter = checkNumberOption('retryJitter', retryJitter, {
    fallback: 0,
    min: 0,
    max: 1,
    requirement: 'a fraction from 0 to 1',
  });
  if (jitter > 0 && retry === undefined) {
    throw invalidOption(
      'retryJitter',
      retryJitter,
      '0 or left out when no retry is given (it spreads retry)',
    );
  }
  return jitter;
}

/**
 * One stream's reconnection time: `retry` shortened at random by up to `jitter` of it, a whole
 * number of milliseconds from `retry - floor(retry * jitter)` to `retry`, evenly. Clients told to
 * come back after different times do not all come back in the same second.
 */
export function jitterRetry(retry: number, jitter: number): number {
  return jitter === 0 ? retry : retry - Math.floor(Math.random() * (Math.floor(retry * jitter) + 1));
}
