import { describe, expect, it } from 'vitest';

/** An option set every adapter must refuse, and the error it must throw. */
const REFUSED: Array<{ what: string; options: object; error: object }> = [
  {
    what: 'a negative heartbeat',
    options: { heartbeat: -1 },
    error: { name: 'SSERangeError', code: 'ERR_SSE_INVALID_OPTION', field: 'heartbeat' },
  },
  {
    what: 'a retry that is not a whole number',
    options: { retry: 1.5 },
    error: { name: 'SSERangeError', code: 'ERR_SSE_INVALID_RETRY', field: 'retry' },
  },
  {
    what: 'a retryJitter without a retry to spread',
    options: { retryJitter: 0.5 },
    error: { name: 'SSERangeError', code: 'ERR_SSE_INVALID_OPTION', field: 'retryJitter' },
  },
  {
    what: 'a header value with CR/LF',
    options: { headers: { 'x-a': 'ok\r\nset-cookie: x=1' } },
    error: {
      name: 'SSEFieldError',
      code: 'ERR_SSE_INVALID_OPTION',
      field: 'headers.x-a',
      value: 'ok\r\nset-cookie: x=1',
    },
  },
  {
    what: 'an invalid header name',
    options: { headers: { 'bad name': 'v' } },
    error: { name: 'SSEFieldError', code: 'ERR_SSE_INVALID_OPTION', field: 'headers', value: 'bad name' },
  },
];

/**
 * The rule every adapter keeps: a bad option fails where it was written, when `sse(...)` is called,
 * with a typed error, not on the first request. `forms` builds each form of the adapter's `sse`
 * (middleware, handler) with the given options.
 */
export function describeOptionChecks(forms: Record<string, (options: object) => unknown>): void {
  describe('a bad option fails when sse() is called', () => {
    for (const [form, build] of Object.entries(forms)) {
      for (const { what, options, error } of REFUSED) {
        it(`${form}: refuses ${what}`, () => {
          expect(() => build(options)).toThrow(expect.objectContaining(error));
        });
      }
    }
  });
}
