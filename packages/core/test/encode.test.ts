import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRetry, commentLines, dataToText, encodeEvent, MAX_RETRY_MS } from '../src/encode.js';
import { SSEFieldError, SSERangeError } from '../src/errors.js';
import { createParser, type ParsedEvent } from '../src/parse.js';
import type { EventFields } from '../src/types.js';

interface Parsed {
  events: ParsedEvent[];
  retries: number[];
  comments: string[];
  lastEventId: string;
}

/** Parses `text` as a client would, fed in the given chunks (whole when `cuts` is empty). */
function parse(text: string, cuts: number[] = []): Parsed {
  const out: Parsed = { events: [], retries: [], comments: [], lastEventId: '' };
  const parser = createParser({
    onEvent: (event) => out.events.push(event),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (comment) => out.comments.push(comment),
  });
  let from = 0;
  for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
    parser.feed(text.slice(from, cut));
    from = cut;
  }
  parser.feed(text.slice(from));
  out.lastEventId = parser.lastEventId;
  return out;
}

/** What a client's data is for a sent string: every CR and CRLF arrives as LF (§9.2.6). */
const asReceived = (text: string): string => text.replace(/\r\n?/g, '\n');

/** The error `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

// Strings biased towards what breaks encoders: line breaks, spaces, colons, look-alike breaks,
// BOM, NUL and text that reads like fields.
const trickyUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\r', '\n', '\r\n', ' ', ':', '\u2028', '\u2029', '\u0085') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\uFEFF', '\0', '\v', '\f', 'data: x', 'id: 666', 'event: e', 'retry: 1'),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: trickyUnit, maxLength: 30 }));
const eventName = text.map((s) => s.replace(/[\r\n]/g, ''));
const eventId = text.map((s) => s.replace(/[\r\n\0]/g, ''));
const retry = fc.integer({ min: 0, max: MAX_RETRY_MS });
const cuts = fc.array(fc.nat(), { maxLength: 6 });

const eventFields = fc.record(
  {
    data: text,
    event: eventName,
    id: eventId,
    retry,
    comment: text,
  },
  { requiredKeys: [] },
);

describe('encodeEvent round trip through a spec-exact parser', () => {
  it('dispatches exactly one event with the given type, data, id and retry', () => {
    fc.assert(
      fc.property(eventFields, text, cuts, (fields, data, splits) => {
        const sent: EventFields = { ...fields, data };
        const got = parse(encodeEvent(sent), splits);
        expect(got.events).toEqual([
          {
            type: sent.event === undefined || sent.event === '' ? 'message' : sent.event,
            data: asReceived(data),
            lastEventId: sent.id ?? '',
          },
        ]);
        expect(got.retries).toEqual(sent.retry === undefined ? [] : [sent.retry]);
      }),
      { numRuns: 500 },
    );
  });

  it('writes lines that end in LF only', () => {
    fc.assert(
      fc.property(eventFields, (fields) => {
        const wire = encodeEvent(fields);
        expect(wire).not.toContain('\r');
        expect(wire.endsWith('\n')).toBe(true);
      }),
    );
  });

  it('gives back a sequence of events in order, ids persisting across events without one', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { minLength: 1, maxLength: 6 }), cuts, (blocks, splits) => {
        const expected: ParsedEvent[] = [];
        let lastId = '';
        for (const block of blocks) {
          if (block.id !== undefined) lastId = block.id;
          if (block.data === undefined) continue;
          expected.push({
            type: block.event || 'message',
            data: asReceived(block.data as string),
            lastEventId: lastId,
          });
        }
        const got = parse(blocks.map((block) => encodeEvent(block)).join(''), splits);
        expect(got.events).toEqual(expected);
        expect(got.lastEventId).toBe(lastId);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps any comment text a comment: no event, no id change, one comment per line', () => {
    fc.assert(
      fc.property(text, cuts, (comment, splits) => {
        const wire = `${encodeEvent({ id: 'before' })}${encodeEvent({ comment })}${commentLines(comment)}`;
        const got = parse(`${wire}data: after\n\n`, splits);
        expect(got.events).toEqual([{ type: 'message', data: 'after', lastEventId: 'before' }]);
        const lines = comment.split(/\r\n|\r|\n/);
        expect(got.comments).toEqual([...lines, ...lines]);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['an LF', 'ping\ndata: x'],
    ['a CR', 'ping\rid: 666'],
    ['a CRLF', 'ping\r\nevent: e\r\ndata: x\r\n\r\n'],
  ])('keeps a comment with %s and field-like text a comment', (_name, comment) => {
    const got = parse(`id: 1\n\n${encodeEvent({ comment })}`);
    expect(got.events).toEqual([]);
    expect(got.lastEventId).toBe('1');
  });
});

describe('encodeEvent wire format', () => {
  it.each<[string, EventFields, string]>([
    ['empty string data as `data:`', { data: '' }, 'data:\n\n'],
    ['one data line per LF', { data: 'a\nb' }, 'data: a\ndata: b\n\n'],
    ['CR, CRLF and LF each as one break', { data: 'a\r\nb\rc\nd' }, 'data: a\ndata: b\ndata: c\ndata: d\n\n'],
    ['LF then CR as two breaks', { data: 'a\n\rb' }, 'data: a\ndata:\ndata: b\n\n'],
    ['a trailing newline as a final empty data line', { data: 'a\n' }, 'data: a\ndata:\n\n'],
    ['a lone CR at the end as a final empty data line', { data: 'a\r' }, 'data: a\ndata:\n\n'],
    ['leading spaces after the one separator space', { data: '  x' }, 'data:   x\n\n'],
    [
      'U+2028, U+2029, NEL, BOM and NUL verbatim',
      { data: '\u2028\u2029\u0085\uFEFF\0' },
      'data: \u2028\u2029\u0085\uFEFF\0\n\n',
    ],
    ['no id line when there is no id', { data: 'x' }, 'data: x\n\n'],
    ["id '' as `id:`", { id: '', data: 'x' }, 'id:\ndata: x\n\n'],
    ["id '0'", { id: '0', data: 'x' }, 'id: 0\ndata: x\n\n'],
    ['retry 0', { retry: 0 }, 'retry: 0\n\n'],
    ["event '' as `event:`", { event: '', data: 'x' }, 'event:\ndata: x\n\n'],
    ['a control block without data', { id: '5' }, 'id: 5\n\n'],
    ['no fields as a lone blank line', {}, '\n'],
    ['a multi-line comment as `:` lines', { comment: 'a\r\nb\rc' }, ': a\n: b\n: c\n\n'],
    [
      'every field in order',
      { comment: 'c', event: 'e', id: '1', retry: 5, data: 'x' },
      ': c\nevent: e\nid: 1\nretry: 5\ndata: x\n\n',
    ],
  ])('writes %s', (_name, fields, wire) => {
    expect(encodeEvent(fields)).toBe(wire);
  });

  it('keeps a trailing newline, a lone CR and leading spaces through a parser', () => {
    expect(parse(encodeEvent({ data: 'a\n' })).events[0]?.data).toBe('a\n');
    expect(parse(encodeEvent({ data: 'a\r' })).events[0]?.data).toBe('a\n');
    expect(parse(encodeEvent({ data: '  x' })).events[0]?.data).toBe('  x');
  });

  it("resets the client's last id with id ''", () => {
    const got = parse(encodeEvent({ id: 'x', data: 'a' }) + encodeEvent({ id: '', data: 'b' }));
    expect(got.events.map((e) => e.lastEventId)).toEqual(['x', '']);
    expect(got.lastEventId).toBe('');
  });

  it('serializes non-string data with JSON.stringify', () => {
    expect(encodeEvent({ data: { a: 1, s: 'x\ny' } })).toBe('data: {"a":1,"s":"x\\ny"}\n\n');
    expect(encodeEvent({ data: null })).toBe('data: null\n\n');
    expect(encodeEvent({ data: 0 })).toBe('data: 0\n\n');
    expect(encodeEvent({ data: false })).toBe('data: false\n\n');
    expect(encodeEvent({ data: [1, '2'] })).toBe('data: [1,"2"]\n\n');
  });

  it('serializes non-string data with a custom serializer and splits its output into lines', () => {
    const serializer = (value: unknown) => `v=${String(value)}\r\nend`;
    expect(encodeEvent({ data: 42 }, serializer)).toBe('data: v=42\ndata: end\n\n');
    // Strings never reach the serializer.
    expect(encodeEvent({ data: 'raw' }, serializer)).toBe('data: raw\n\n');
  });

  it('writes commentLines without a closing blank line', () => {
    expect(commentLines()).toBe(':\n');
    expect(commentLines('ping')).toBe(': ping\n');
    expect(commentLines('a\nb')).toBe(': a\n: b\n');
  });

  it('accepts the largest retry', () => {
    expect(encodeEvent({ retry: MAX_RETRY_MS })).toBe('retry: 2147483647\n\n');
    expect(() => checkRetry(MAX_RETRY_MS)).not.toThrow();
  });
});

describe('encodeEvent refusals', () => {
  /** Asserts encodeEvent throws the described error and returns nothing. */
  function expectRefused(
    fields: EventFields,
    expected: {
      type: typeof SSEFieldError | typeof SSERangeError;
      code: string;
      field: string;
      message: RegExp;
    },
    serializer?: (data: unknown) => string,
  ): unknown {
    let out: string | undefined;
    const error = thrown(() => {
      out = encodeEvent(fields, serializer);
    });
    expect(out).toBeUndefined();
    expect(error).toBeInstanceOf(expected.type);
    expect(error).toMatchObject({ code: expected.code, field: expected.field, name: expected.type.name });
    expect((error as Error).message).toMatch(expected.message);
    return error;
  }

  it.each([
    ['\\n', 'a\nb', /^Event name "a\\nb" must be a string without CR or LF/],
    ['\\r', 'a\rb', /^Event name "a\\rb" must be a string without CR or LF/],
    ['\\r\\n', 'a\r\nb', /^Event name "a\\r\\nb" must be a string without CR or LF/],
  ])('refuses an event name with %s', (_name, event, message) => {
    const error = expectRefused(
      { event, data: 'x' },
      { type: SSEFieldError, code: 'ERR_SSE_NEWLINE_IN_FIELD', field: 'event', message },
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as SSEFieldError).value).toBe(event);
  });

  it('refuses a non-string event name', () => {
    expectRefused(
      { event: 5 as unknown as string, data: 'x' },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_NEWLINE_IN_FIELD',
        field: 'event',
        message: /^Event name 5 must be a string/,
      },
    );
  });

  it.each([
    ['\\n', 'a\nb', /^Event id "a\\nb" must be a string without CR or LF/],
    ['\\r', 'a\rb', /^Event id "a\\rb" must be a string without CR or LF/],
    ['\\r\\n', '\r\n', /^Event id "\\r\\n" must be a string without CR or LF/],
  ])('refuses an id with %s', (_name, id, message) => {
    expectRefused(
      { id, data: 'x' },
      { type: SSEFieldError, code: 'ERR_SSE_NEWLINE_IN_FIELD', field: 'id', message },
    );
  });

  it('refuses an id with NUL', () => {
    const error = expectRefused(
      { id: 'a\0b', data: 'x' },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_NUL_IN_ID',
        field: 'id',
        message: /^Event id "a\\u0000b" must not contain NUL: every client ignores an id field that does\.$/,
      },
    );
    expect((error as SSEFieldError).value).toBe('a\0b');
  });

  it.each<[string, unknown, RegExp]>([
    ['-1', -1, /^retry -1 must be a whole number of milliseconds from 0 to 2147483647\.$/],
    ['1.5', 1.5, /^retry 1\.5 must be a whole number/],
    ['NaN', Number.NaN, /^retry NaN must be a whole number/],
    ['Infinity', Number.POSITIVE_INFINITY, /^retry Infinity must be a whole number/],
    ['-Infinity', Number.NEGATIVE_INFINITY, /^retry -Infinity must be a whole number/],
    ['2**31', 2 ** 31, /^retry 2147483648 must be a whole number/],
    ['1e21', 1e21, /^retry 1e\+21 must be a whole number/],
    ["'5' (a string)", '5', /^retry "5" must be a whole number/],
  ])('refuses retry %s', (_name, value, message) => {
    const error = expectRefused(
      { retry: value as number, data: 'x' },
      { type: SSERangeError, code: 'ERR_SSE_INVALID_RETRY', field: 'retry', message },
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as SSERangeError).value).toBe(value);
  });

  it('refuses BigInt data, keeping the serializer error as the cause', () => {
    const error = expectRefused(
      { data: 10n },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_UNSERIALIZABLE_DATA',
        field: 'data',
        message: /^Event data 10 could not be serialized: .*BigInt/,
      },
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('refuses circular data', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const error = expectRefused(
      { data: circular },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_UNSERIALIZABLE_DATA',
        field: 'data',
        message: /^Event data \[object Object\] could not be serialized: .*circular/i,
      },
    );
    expect((error as SSEFieldError).value).toBe(circular);
  });

  it.each<[string, unknown]>([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s, which JSON.stringify turns into undefined', (_name, data) => {
    expectRefused(
      { data },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_UNSERIALIZABLE_DATA',
        field: 'data',
        message: /serialized to undefined, not a string/,
      },
    );
  });

  it('refuses a custom serializer that returns a non-string or throws a non-Error', () => {
    expectRefused(
      { data: 1 },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_UNSERIALIZABLE_DATA',
        field: 'data',
        message: /serialized to 2, not a string/,
      },
      () => 2 as unknown as string,
    );
    expectRefused(
      { data: 1 },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_UNSERIALIZABLE_DATA',
        field: 'data',
        message: /could not be serialized: nope$/,
      },
      () => {
        throw 'nope';
      },
    );
  });

  it('refuses before serializing data when another field is invalid', () => {
    let called = false;
    const serializer = () => {
      called = true;
      return '';
    };
    expect(() => encodeEvent({ id: '\n', data: {} }, serializer)).toThrow(SSEFieldError);
    expect(called).toBe(false);
  });

  it.each<[string, keyof EventFields, string]>([
    ['a lone high surrogate in data', 'data', 'ab\uD83D'],
    ['a lone low surrogate in data', 'data', '\uDE00ab'],
    ['a reversed pair in data', 'data', '\uDE00\uD83D'],
    ['a lone high surrogate in an event name', 'event', 'x\uD800y'],
    ['a lone low surrogate in an id', 'id', '7\uDFFF'],
  ])('refuses %s, which UTF-8 cannot carry', (_name, field, value) => {
    const error = expectRefused(
      { data: 'x', [field]: value },
      {
        type: SSEFieldError,
        code: 'ERR_SSE_LONE_SURROGATE',
        field,
        message: /contains a lone surrogate .* well-formed/,
      },
    );
    expect((error as SSEFieldError).value).toBe(value);
  });

  it('refuses serializer output with a lone surrogate, and accepts surrogate pairs', () => {
    expectRefused(
      { data: 1 },
      { type: SSEFieldError, code: 'ERR_SSE_LONE_SURROGATE', field: 'data', message: /lone surrogate/ },
      () => '\uD83D',
    );
    const emoji = 'caf\u00e9 \uD83D\uDE00 \u65e5\u672c';
    expect(parse(encodeEvent({ data: emoji, event: emoji, id: emoji })).events).toEqual([
      { type: emoji, data: emoji, lastEventId: emoji },
    ]);
  });

  it('exposes dataToText for strings verbatim', () => {
    expect(dataToText('a\r\nb')).toBe('a\r\nb');
  });
});
