import { describe, expect, it } from 'vitest';
import { SSEFieldError } from '../src/errors.js';
import { validateSSEOptions } from '../src/options.js';

function refusal(headers: unknown): unknown {
  try {
    validateSSEOptions({ headers: headers as Record<string, string> });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('validateSSEOptions: headers', () => {
  it('accepts token names and values with tab, spaces and latin1 characters', () => {
    const headers = { 'X-Trace_Id.1': 'a\tb c', 'x-name': 'caf\u00e9', 'x-empty': '' };
    expect(validateSSEOptions({ headers }).headers).toBe(headers);
  });

  it.each([
    ['a CR LF, which would split the header', 'x-a', 'ok\r\nset-cookie: x=1'],
    ['a lone LF', 'x-a', 'a\nb'],
    ['a lone CR', 'x-a', 'a\rb'],
    ['NUL', 'x-a', 'a\0b'],
    ['a character above U+00FF', 'x-a', '日本'],
  ])('refuses a value with %s', (_title, name, value) => {
    const error = refusal({ [name]: value });
    expect(error).toBeInstanceOf(SSEFieldError);
    expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field: `headers.${name}`, value });
    expect((error as Error).message).toMatch(/^headers\.x-a must be a string without CR, LF/);
  });

  it('refuses a value that is not a string', () => {
    expect(refusal({ 'x-n': 5 })).toMatchObject({
      code: 'ERR_SSE_INVALID_OPTION',
      field: 'headers.x-n',
      value: 5,
    });
  });

  it.each([['bad name'], ['x:y'], [''], ['x\r\ny'], ['ünï']])('refuses the header name %j', (name) => {
    const error = refusal({ [name]: 'v' });
    expect(error).toBeInstanceOf(SSEFieldError);
    expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field: 'headers', value: name });
    expect((error as Error).message).toContain('is not a valid header name');
  });

  it('refuses headers that are not an object', () => {
    expect(refusal('x-a: 1')).toMatchObject({
      code: 'ERR_SSE_INVALID_OPTION',
      field: 'headers',
      value: 'x-a: 1',
    });
  });
});
