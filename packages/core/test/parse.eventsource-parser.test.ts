// Issue 13: our parser dispatches exactly what eventsource-parser 3 dispatches (the same events,
// types, ids, retries and comments, in the same order) on generated streams fed in any chunking,
// as text and as bytes. Two documented differences are kept out of the comparison, each by feeding
// both parsers what their users feed them:
// - eventsource-parser takes decoded text and leaves the BOM to its decoder (TextDecoderStream
//   strips it); ours strips it itself, so ours gets the BOM and eventsource-parser the text after it.
// - an `id` in a block without data: §9.2.6 sets the last event ID from it, eventsource-parser
//   forgets it (its events carry only their own block's id). Generated blocks with an id have data.
import { createParser as createTheirs } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParser } from '../src/parse.js';

type Call = ['event', string, string, string] | ['retry', number] | ['comment', string];

/** What ours dispatches for the chunks, as one ordered list of calls. */
function ours(chunks: (string | Uint8Array)[]): Call[] {
  const calls: Call[] = [];
  const parser = createParser({
    onEvent: (event) => calls.push(['event', event.type, event.data, event.lastEventId]),
    onRetry: (ms) => calls.push(['retry', ms]),
    onComment: (text) => calls.push(['comment', text]),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return calls;
}

/**
 * What eventsource-parser dispatches, with the last event ID carried across events as a client
 * does with its `id`. Bytes go through one streaming TextDecoder, as in its EventSourceParserStream.
 */
function theirs(chunks: (string | Uint8Array)[]): Call[] {
  const calls: Call[] = [];
  let lastEventId = '';
  const parser = createTheirs({
    onEvent(event) {
      if (event.id !== undefined) lastEventId = event.id;
      calls.push(['event', event.event ?? 'message', event.data, lastEventId]);
    },
    onRetry: (ms) => calls.push(['retry', ms]),
    onComment: (text) => calls.push(['comment', text]),
  });
  const decoder = new TextDecoder();
  for (const chunk of chunks)
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  return calls;
}

/** Cuts `whole` at the given points (taken modulo its length, in order). */
function cut<T extends string | Uint8Array>(whole: T, points: number[]): T[] {
  const at = [...new Set(points.map((point) => point % (whole.length + 1)))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let from = 0;
  for (const point of at) {
    chunks.push(whole.slice(from, point) as T);
    from = point;
  }
  chunks.push(whole.slice(from) as T);
  return chunks;
}

// Values: spaces, colons, non-ASCII (split across byte chunks), NUL (ignored ids), BOM, look-alike breaks.
const value = fc.string({
  unit: fc.constantFrom(
    'a',
    'z',
    '1',
    '0',
    ' ',
    ':',
    'é',
    '€',
    '😀',
    '\0',
    '\uFEFF',
    '\u2028',
    '\u0085',
    '\t',
  ),
  maxLength: 8,
});
const retryValue = fc.constantFrom(
  '1000',
  ' 1000',
  '  5',
  '0',
  '007',
  '',
  '1e3',
  '-1',
  '+1',
  '1.5',
  '10 ',
  '99999999999999999999',
  '١٠',
);
const fieldLine = fc.oneof(
  { weight: 6, arbitrary: value.map((v) => `data: ${v}`) },
  value.map((v) => `data:${v}`),
  fc.constant('data'),
  { weight: 2, arbitrary: value.map((v) => `event: ${v}`) },
  fc.constantFrom('event:', 'event'),
  retryValue.map((v) => `retry:${v}`),
  { weight: 2, arbitrary: value.map((v) => `:${v}`) },
  fc.constantFrom(
    'Data: x',
    'foo: bar',
    'dat',
    'datum: x',
    '\uFEFFdata: x',
    ' data: x',
    'retry',
    'idd: 3',
    'data : x',
  ),
);
const idLine = fc.oneof(
  value.map((v) => `id: ${v}`),
  value.map((v) => `id:${v}`),
  fc.constantFrom('id:', 'id', 'id: ', 'id:  7'),
);
/** One block: field lines, and when it has an id line, at least one data line (see above). */
const block = fc
  .tuple(fc.array(fieldLine, { maxLength: 5 }), fc.option(idLine, { nil: undefined }))
  .map(([lines, id]) => (id === undefined ? lines : [...lines, id, 'data: with id']));
const lineEnd = fc.constantFrom('\n', '\r', '\r\n');
/** A body: blocks ended by blank lines, each line ended by LF, CR or CRLF, maybe an unended block last. */
const body = fc
  .tuple(fc.array(block, { maxLength: 8 }), fc.array(lineEnd, { minLength: 1, maxLength: 7 }), fc.boolean())
  .map(([blocks, ends, unended]) => {
    const lines = blocks.flatMap((lines) => [...lines, '']);
    if (unended && lines.length > 0) lines.pop();
    // A final LF: eventsource-parser holds a CR that ends its input until it sees the next byte.
    return `${lines.map((line, i) => line + ends[i % ends.length]).join('')}\n`;
  });
const points = fc.array(fc.nat(), { maxLength: 8 });

describe('dispatch identical to eventsource-parser 3', () => {
  it('on text, in any chunking, with or without a BOM', () => {
    fc.assert(
      fc.property(body, points, fc.boolean(), (text, at, bom) => {
        const input = bom ? `\uFEFF${text}` : text;
        // What eventsource-parser's decoder would have given it: the text after one leading BOM.
        const decoded = input.startsWith('\uFEFF') ? input.slice(1) : input;
        expect(ours(cut(input, at))).toEqual(theirs(cut(decoded, at)));
      }),
      { numRuns: 1000 },
    );
  });

  it('on bytes cut anywhere, inside characters too, with or without a BOM', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(body, points, fc.boolean(), (text, at, bom) => {
        const bytes = encoder.encode(bom ? `\uFEFF${text}` : text);
        const chunks = cut(bytes, at);
        expect(ours(chunks)).toEqual(theirs(chunks));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['CR, LF and CRLF, split between CR and LF', ['data: a\r', '\ndata: b\r', '\r', '\n', 'data: c\n', '\n']],
    ['empty ids reset the last id', ['id: 1\ndata: a\n\nid:\ndata: b\n\nid\ndata: c\n\n']],
    ['a NUL id is ignored', ['id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n']],
    [
      'retry edge cases',
      ['retry: 0\nretry:5\nretry:  5\nretry: 1e3\nretry: 99999999999999999999\ndata: a\n\n'],
    ],
    ['one-line events straddling chunks', ['data: a\n', '\ndata: b', '\n\n', 'event: e\ndata', ': c\n\n']],
    ['comments', [':\n: x\n:  two\n:x:y\n\n']],
  ])('%s', (_name, chunks) => {
    expect(ours(chunks)).toEqual(theirs(chunks));
    expect(ours(chunks).length).toBeGreaterThan(1);
  });
});
