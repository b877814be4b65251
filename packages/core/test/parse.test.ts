import { describe, expect, it } from 'vitest';
import { SSERangeError } from '../src/errors.js';
import { createParser, type EventStreamParser, type ParsedEvent } from '../src/parse.js';
import { parseEventStream } from '../src/parse-stream.js';

interface Recording {
  events: ParsedEvent[];
  retries: number[];
  comments: string[];
  parser: EventStreamParser;
}

/** Feeds the chunks in order (no end()) and records every callback. */
function record(...chunks: string[]): Recording {
  const rec: Recording = {
    events: [],
    retries: [],
    comments: [],
    parser: undefined as unknown as EventStreamParser,
  };
  rec.parser = createParser({
    onEvent: (event) => rec.events.push(event),
    onRetry: (ms) => rec.retries.push(ms),
    onComment: (text) => rec.comments.push(text),
  });
  for (const chunk of chunks) rec.parser.feed(chunk);
  return rec;
}

const message = (data: string, lastEventId = '', type = 'message'): ParsedEvent => ({
  type,
  data,
  lastEventId,
});

function bytesStream(chunks: number[][]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
      controller.close();
    },
  });
}

async function collect(source: AsyncIterable<ParsedEvent>): Promise<ParsedEvent[]> {
  const out: ParsedEvent[] = [];
  for await (const event of source) out.push(event);
  return out;
}

describe('BOM', () => {
  it('strips one BOM at the start of the stream', () => {
    expect(record('\uFEFFdata: x\n\n').events).toEqual([message('x')]);
  });

  it('treats a second BOM as part of the field name, so that line is ignored', () => {
    expect(record('\uFEFF\uFEFFdata: x\n\ndata: y\n\n').events).toEqual([message('y')]);
  });

  it('strips a BOM that arrives alone as the first chunk', () => {
    expect(record('\uFEFF', 'data: x\n\n').events).toEqual([message('x')]);
  });

  it('keeps a BOM that opens a later chunk (only the first chunk may start with one)', () => {
    expect(record('data: a\n\n', '\uFEFFdata: b\n\n').events).toEqual([message('a')]);
  });

  it('keeps a BOM inside data', () => {
    expect(record('data: \uFEFFx\n\n').events).toEqual([message('\uFEFFx')]);
  });

  it('strips a leading BOM again after reset()', () => {
    const { parser, events } = record('\uFEFFdata: a\n\n');
    parser.reset();
    parser.feed('\uFEFFdata: b\n\n');
    expect(events).toEqual([message('a'), message('b')]);
  });

  it('does not consume the BOM check on an empty first chunk', () => {
    expect(record('', '\uFEFFdata: x\n\n').events).toEqual([message('x')]);
  });
});

describe('line endings', () => {
  it.each([
    ['LF', 'data: a\ndata: b\n\n'],
    ['CR', 'data: a\rdata: b\r\r'],
    ['CRLF', 'data: a\r\ndata: b\r\n\r\n'],
    ['mixed', 'data: a\r\ndata: b\r\n\n'],
    ['mixed CR then LF', 'data: a\rdata: b\n\r'],
  ])('splits lines at %s', (_name, stream) => {
    expect(record(stream).events).toEqual([message('a\nb')]);
  });

  it('reads LF followed by CR as two line breaks (a blank line)', () => {
    expect(record('data: a\n\rdata: b\n\n').events).toEqual([message('a'), message('b')]);
  });

  it('reads a CRLF split across two chunks as one break', () => {
    expect(record('data: a\r', '\ndata: b\r', '\n\r', '\n').events).toEqual([message('a\nb')]);
  });

  it('dispatches a block ended by a lone CR at the chunk end at once', () => {
    const { events, parser } = record('data: x\r\r');
    expect(events).toEqual([message('x')]);
    // The LF that may follow is then swallowed, not taken as another blank line.
    parser.feed('\ndata: y\n\n');
    expect(events).toEqual([message('x'), message('y')]);
  });

  it('processes a CR-terminated line at once, before the next chunk', () => {
    const { events, parser } = record('data: x\n\r');
    expect(events).toEqual([message('x')]);
    parser.feed('data: y\r\n\r\n');
    expect(events).toEqual([message('x'), message('y')]);
  });

  it('swallows only one LF after a chunk-final CR', () => {
    expect(record('data: x\r', '\n\n').events).toEqual([message('x')]);
  });

  it('does not carry the pending LF skip across an empty chunk', () => {
    expect(record('data: x\r', '', '\n\n').events).toEqual([message('x')]);
  });

  it.each([
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['U+0085 (NEL)', '\u0085'],
    ['VT', '\u000B'],
    ['FF', '\u000C'],
    ['NUL', '\0'],
  ])('keeps %s inside data (not a line break)', (_name, char) => {
    expect(record(`data: a${char}b\n\n`).events).toEqual([message(`a${char}b`)]);
  });

  it('joins a line split across many chunks', () => {
    expect(record('da', 'ta', ': he', 'llo', '\n', '\n').events).toEqual([message('hello')]);
  });
});

describe('field values', () => {
  it('strips exactly one leading space', () => {
    expect(record('data:  two\n\n').events).toEqual([message(' two')]);
  });

  it('reads `data:x` without a space', () => {
    expect(record('data:x\n\n').events).toEqual([message('x')]);
  });

  it('reads bare `data` as an empty data line, which dispatches', () => {
    expect(record('data\n\n').events).toEqual([message('')]);
  });

  it('splits field and value at the first colon only', () => {
    expect(record('data: a: b:c\n\n').events).toEqual([message('a: b:c')]);
  });

  it('keeps a trailing space in the value', () => {
    expect(record('data: x \n\n').events).toEqual([message('x ')]);
  });

  it('removes only the one final LF, so an empty last data line keeps a trailing newline', () => {
    expect(record('data: x\ndata:\n\n').events).toEqual([message('x\n')]);
  });

  it('compares field names literally (no case folding)', () => {
    expect(record('Data: x\nDATA: y\nEvent: e\nID: 1\n\ndata: z\n\n').events).toEqual([message('z')]);
  });

  it('ignores unknown fields', () => {
    expect(record('foo: bar\ndata: x\nbaz\n\n').events).toEqual([message('x')]);
  });

  it('ignores a field name with a trailing space', () => {
    expect(record('data : x\n\n').events).toEqual([]);
  });
});

describe('event field', () => {
  it('sets the event type', () => {
    expect(record('event: update\ndata: x\n\n').events).toEqual([message('x', '', 'update')]);
  });

  it("uses 'message' for an empty `event:`", () => {
    expect(record('event:\ndata: x\n\n').events).toEqual([message('x')]);
  });

  it('keeps the last event field of a block', () => {
    expect(record('event: a\nevent: b\ndata: x\n\n').events).toEqual([message('x', '', 'b')]);
  });

  it('does not carry the type into the next block', () => {
    expect(record('event: a\ndata: x\n\ndata: y\n\n').events).toEqual([message('x', '', 'a'), message('y')]);
  });

  it('clears the type of a block without data', () => {
    expect(record('event: a\n\ndata: y\n\n').events).toEqual([message('y')]);
  });
});

describe('id field', () => {
  it('sets lastEventId on the event', () => {
    expect(record('id: 1\ndata: x\n\n').events).toEqual([message('x', '1')]);
  });

  it('persists the id across later events without one', () => {
    const { events, parser } = record('id: prev\ndata: a\n\ndata: b\n\n');
    expect(events).toEqual([message('a', 'prev'), message('b', 'prev')]);
    expect(parser.lastEventId).toBe('prev');
  });

  it('sets the id from a block without data', () => {
    const { events, parser } = record('id: 7\n\n');
    expect(events).toEqual([]);
    expect(parser.lastEventId).toBe('7');
    parser.feed('data: x\n\n');
    expect(events).toEqual([message('x', '7')]);
  });

  it('ignores an id containing NUL, keeping the previous id', () => {
    const { events, parser } = record('id: prev\n\nid: a\0b\ndata: x\n\n');
    expect(events).toEqual([message('x', 'prev')]);
    expect(parser.lastEventId).toBe('prev');
  });

  it('resets the id with an empty `id:` and with a bare `id`', () => {
    expect(record('id: 1\n\nid:\ndata: a\n\nid: 2\n\nid\ndata: b\n\n').events).toEqual([
      message('a', ''),
      message('b', ''),
    ]);
  });

  it('keeps "0" as an id', () => {
    expect(record('id: 0\ndata: x\n\n').events).toEqual([message('x', '0')]);
  });

  it('commits the id only at the blank line', () => {
    const { parser } = record('id: 1\n\nid: 2\ndata: x\n');
    expect(parser.lastEventId).toBe('1');
  });
});

describe('retry field', () => {
  it('reports an all-digit value', () => {
    const { retries, parser } = record('retry: 1000\n\n');
    expect(retries).toEqual([1000]);
    expect(parser.reconnectionTime).toBe(1000);
  });

  it('reports retry 0', () => {
    expect(record('retry: 0\n').retries).toEqual([0]);
  });

  it("reads ' 10' after the one stripped space as valid", () => {
    expect(record('retry:10\nretry: 10\n').retries).toEqual([10, 10]);
  });

  it.each([
    ['exponent', '1e3'],
    ['negative', '-1'],
    ['plus sign', '+1'],
    ['fraction', '1.5'],
    ['trailing space', '10 '],
    ['two leading spaces', ' 10'],
    ['empty', ''],
    ['letters', 'abc'],
    ['non-ASCII digits', '١٠'],
  ])('ignores a %s value', (_name, value) => {
    const { retries, parser } = record(`retry:${value === '' ? '' : ' '}${value}\n\n`);
    expect(retries).toEqual([]);
    expect(parser.reconnectionTime).toBeUndefined();
  });

  it('does not dispatch an event for a retry-only block', () => {
    expect(record('retry: 5\n\n').events).toEqual([]);
  });
});

describe('comments', () => {
  it('ignores comment lines and reports their text with one leading space stripped', () => {
    const { events, comments } = record(': ping\n:\n:  two\n:x\ndata: a\n\n');
    expect(events).toEqual([message('a')]);
    expect(comments).toEqual(['ping', '', ' two', 'x']);
  });

  it('does not dispatch a comment-only block', () => {
    expect(record(': hi\n\n').events).toEqual([]);
  });
});

describe('dispatch and end of body', () => {
  it('does not dispatch a block without data', () => {
    expect(record('event: a\nid: 1\n\n\n\n').events).toEqual([]);
  });

  it('dispatches `data:` alone as an empty string', () => {
    expect(record('data:\n\n').events).toEqual([message('')]);
  });

  it('discards the pending block at end()', () => {
    const { events, parser } = record('data: a\n\ndata: b\n');
    parser.end();
    parser.feed('\n');
    expect(events).toEqual([message('a')]);
  });

  it('discards a partial line at end()', () => {
    const { events, parser } = record('data: a');
    parser.end();
    parser.feed('\n\n');
    expect(events).toEqual([]);
  });

  it('forgets an id of the discarded block but keeps the dispatched one at end()', () => {
    const { events, parser } = record('id: 1\ndata: a\n\nid: 2\n');
    parser.end();
    expect(parser.lastEventId).toBe('1');
    parser.feed('data: b\n\n');
    expect(events).toEqual([message('a', '1'), message('b', '1')]);
  });

  it('forgets a pending CR at end()', () => {
    const { events, parser } = record('data: a\r');
    parser.end();
    parser.feed('\n\ndata: b\n\n');
    expect(events).toEqual([message('b')]);
  });

  it('keeps the reconnection time at end() and forgets it with the id at reset()', () => {
    const { parser } = record('retry: 50\nid: 3\n\n');
    parser.end();
    expect(parser.reconnectionTime).toBe(50);
    expect(parser.lastEventId).toBe('3');
    parser.reset();
    expect(parser.reconnectionTime).toBeUndefined();
    expect(parser.lastEventId).toBe('');
  });

  it('stops the current chunk when a callback resets the parser', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({
      onEvent(event) {
        events.push(event);
        parser.reset();
      },
    });
    parser.feed('data: a\n\ndata: b\n\n');
    parser.feed('data: c\n\n');
    expect(events).toEqual([message('a'), message('c')]);
  });

  it('stops the current chunk when a callback resets the parser on an event whose data line was cut', () => {
    const events: ParsedEvent[] = [];
    const parser = createParser({
      onEvent(event) {
        events.push(event);
        parser.reset();
      },
    });
    parser.feed('data: a');
    parser.feed('b\n\ndata: b\n\n');
    parser.feed('data: c\n\n');
    expect(events).toEqual([message('ab'), message('c')]);
  });
});

describe('any chunking gives the same events', () => {
  const fixtures: Record<string, string> = {
    'LF stream': 'event: a\ndata: 1\nid: x\n\ndata: 2\ndata: 3\n\n',
    'CR stream': 'data: 1\rdata: 2\r\rid: 5\r\rdata: 3\r\r',
    'CRLF stream': 'data: 1\r\nevent: e\r\n\r\n: c\r\ndata:\r\n\r\n',
    'mixed endings': 'data: a\r\ndata: b\rdata: c\n\r\ndata: d\n\r\rid: 9\r\n\n',
    'BOM and comments': '\uFEFF: hi\nretry: 10\ndata:x\n\n:\r\nid\ndata\r\r',
    'unicode content': 'data: é😀\u2028x\u0085\ndata:  \uFEFF\n\n',
    'id with NUL and blank lines': 'id: ok\n\n\n\nid: a\0\ndata: q\r\n\r\n',
  };

  /** Events, retries and comments seen for this chunking, plus the final state. */
  function outcome(chunks: string[]) {
    const rec = record(...chunks);
    return {
      events: rec.events,
      retries: rec.retries,
      comments: rec.comments,
      lastEventId: rec.parser.lastEventId,
    };
  }

  for (const [name, stream] of Object.entries(fixtures)) {
    it(`${name}: split in two at every position`, () => {
      const whole = outcome([stream]);
      expect(whole.events.length).toBeGreaterThan(0);
      for (let i = 0; i <= stream.length; i++) {
        expect(outcome([stream.slice(0, i), stream.slice(i)]), `split at ${i}`).toEqual(whole);
      }
    });

    it(`${name}: split in three at every pair of positions`, () => {
      const whole = outcome([stream]);
      for (let i = 0; i <= stream.length; i++) {
        for (let j = i; j <= stream.length; j++) {
          const chunks = [stream.slice(0, i), stream.slice(i, j), stream.slice(j)];
          expect(outcome(chunks), `split at ${i}, ${j}`).toEqual(whole);
        }
      }
    });

    it(`${name}: one character at a time`, () => {
      expect(outcome([...stream])).toEqual(outcome([stream]));
    });
  }
});

describe('parseEventStream', () => {
  const encoder = new TextEncoder();

  it('decodes a multibyte UTF-8 character split across chunks', async () => {
    const bytes = [...encoder.encode('data: é😀\n\n')];
    // Cut inside "é" (2 bytes) and inside "😀" (4 bytes).
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 10), bytes.slice(10, 12), bytes.slice(12)];
    expect(await collect(parseEventStream(bytesStream(chunks)))).toEqual([message('é😀')]);
  });

  it('decodes every split of a multibyte stream the same', async () => {
    const bytes = [...encoder.encode('id: ид\ndata: 😀\r\n\r\n')];
    for (let i = 0; i <= bytes.length; i++) {
      const events = await collect(parseEventStream(bytesStream([bytes.slice(0, i), bytes.slice(i)])));
      expect(events, `split at ${i}`).toEqual([message('😀', 'ид')]);
    }
  });

  it('strips exactly one leading BOM', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    const body = [...encoder.encode('data: a\n\n')];
    expect(await collect(parseEventStream(bytesStream([[...bom, ...body]])))).toEqual([message('a')]);
    // The second BOM is part of the first field name, so the first event vanishes (WPT format-bom-2).
    const twice = [...bom, ...bom, ...body, ...encoder.encode('data: b\n\n')];
    expect(await collect(parseEventStream(bytesStream([twice])))).toEqual([message('b')]);
  });

  it('strips a BOM split across chunks', async () => {
    const body = [0xef, 0xbb, 0xbf, ...encoder.encode('data: a\n\n')];
    expect(await collect(parseEventStream(bytesStream([body.slice(0, 1), body.slice(1)])))).toEqual([
      message('a'),
    ]);
  });

  it('replaces invalid UTF-8 with U+FFFD', async () => {
    const body = [...encoder.encode('data: a'), 0xff, ...encoder.encode('\n\n')];
    expect(await collect(parseEventStream(bytesStream([body])))).toEqual([message('a\uFFFD')]);
  });

  it('discards an unterminated block at the end of the body', async () => {
    const events = await collect(
      parseEventStream(bytesStream([[...encoder.encode('data: a\n\ndata: b\n')]])),
    );
    expect(events).toEqual([message('a')]);
  });

  it('reads an async iterable of strings and bytes', async () => {
    async function* source() {
      yield '\uFEFFdata: a';
      yield encoder.encode('\r');
      yield '\n\r\n';
      yield encoder.encode('event: e\ndata: b\n\n');
    }
    expect(await collect(parseEventStream(source()))).toEqual([message('a'), message('b', '', 'e')]);
  });

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: a\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of parseEventStream(stream)) {
      expect(event).toEqual(message('a'));
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('feed(Uint8Array)', () => {
  const encoder = new TextEncoder();

  /** Feeds byte chunks (or text, for strings) and returns the events. */
  function recordBytes(...chunks: (number[] | string)[]): ParsedEvent[] {
    const { events, parser } = record();
    for (const chunk of chunks) parser.feed(typeof chunk === 'string' ? chunk : new Uint8Array(chunk));
    return events;
  }

  it('decodes a multibyte character split at every byte', () => {
    const bytes = [...encoder.encode('id: ид\ndata: é😀\r\n\r\n')];
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const chunks = [bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)];
        expect(recordBytes(...chunks), `split at ${i}, ${j}`).toEqual([message('é😀', 'ид')]);
      }
    }
  });

  it('strips a BOM that arrives as bytes, whole or split, once', () => {
    const body = [0xef, 0xbb, 0xbf, ...encoder.encode('data: a\n\n')];
    for (let i = 0; i <= 3; i++) {
      expect(recordBytes(body.slice(0, i), body.slice(i)), `split at ${i}`).toEqual([message('a')]);
    }
    // A second BOM is content: it joins the field name, so that line is ignored.
    expect(
      recordBytes([0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf, ...encoder.encode('data: a\n\ndata: b\n\n')]),
    ).toEqual([message('b')]);
  });

  it('replaces invalid bytes with U+FFFD', () => {
    expect(recordBytes([...encoder.encode('data: a'), 0xff, 0xc3, ...encoder.encode('\n\n')])).toEqual([
      message('a\uFFFD\uFFFD'),
    ]);
  });

  it('ends an unfinished character with U+FFFD when text follows it', () => {
    expect(recordBytes([...encoder.encode('data: a'), 0xc3], 'b\n\n')).toEqual([message('a\uFFFDb')]);
  });

  it('drops the bytes of an unfinished character at end()', () => {
    const { events, parser } = record();
    parser.feed(new Uint8Array([...encoder.encode('data: a\n\ndata: b'), 0xf0, 0x9f]));
    parser.end();
    parser.feed(encoder.encode('data: c\n\n'));
    expect(events).toEqual([message('a'), message('c')]);
  });
});

describe('maxEventBytes', () => {
  /** Runs fn, expecting the typed error a too-large event throws. */
  function tooLarge(fn: () => void, held: number): void {
    let thrown: unknown;
    try {
      fn();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SSERangeError);
    expect(thrown).toMatchObject({ code: 'ERR_SSE_EVENT_TOO_LARGE', field: 'maxEventBytes', value: held });
    expect((thrown as Error).message).toMatch(/more than maxEventBytes \(\d+\).*close the connection/);
  }

  const parserWith = (maxEventBytes: number) => {
    const events: ParsedEvent[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) }, { maxEventBytes });
    return { events, parser };
  };

  it('throws when a line without end grows past the bound across chunks', () => {
    const { parser } = parserWith(100);
    parser.feed(`data: ${'x'.repeat(60)}`);
    tooLarge(() => parser.feed('x'.repeat(40)), 106);
  });

  it('throws for a complete line longer than the bound in one chunk', () => {
    const { parser } = parserWith(100);
    tooLarge(() => parser.feed(`: ${'x'.repeat(100)}\n`), 102);
  });

  it('throws when the data lines of one block add up past the bound', () => {
    const { parser, events } = parserWith(100);
    parser.feed(`data: ${'x'.repeat(40)}\n\n`);
    parser.feed(`data: ${'x'.repeat(40)}\ndata: ${'x'.repeat(40)}\n`);
    tooLarge(() => parser.feed(`data: ${'x'.repeat(40)}\n`), 127);
    expect(events).toEqual([message('x'.repeat(40))]);
  });

  it('accepts an event of exactly the bound', () => {
    const { parser, events } = parserWith(100);
    parser.feed(`data:${'x'.repeat(95)}\n\n`);
    expect(events).toEqual([message('x'.repeat(95))]);
  });

  it('throws again from every feed until end(), then reads the next body', () => {
    const { parser, events } = parserWith(10);
    tooLarge(() => parser.feed(`data: ${'x'.repeat(10)}`), 16);
    tooLarge(() => parser.feed('\n\ndata: y\n\n'), 16);
    parser.end();
    parser.feed('data: y\n\n');
    expect(events).toEqual([message('y')]);
  });

  it('bounds bytes too, by the characters they decode to', () => {
    const { parser } = parserWith(10);
    tooLarge(() => parser.feed(new TextEncoder().encode(`data: ${'é'.repeat(5)}`)), 11);
  });

  it('defaults to 1 MiB', () => {
    const { parser, events } = parserWith(undefined as unknown as number);
    parser.feed(`data:${'x'.repeat(1024 * 1024 - 5)}\n\n`);
    expect(events).toHaveLength(1);
    tooLarge(() => parser.feed(`data:${'x'.repeat(1024 * 1024 - 4)}`), 1024 * 1024 + 1);
  });

  it('takes Infinity as no bound', () => {
    const { parser, events } = parserWith(Number.POSITIVE_INFINITY);
    parser.feed(`data:${'x'.repeat(3 * 1024 * 1024)}\n\n`);
    expect(events).toHaveLength(1);
  });

  it.each([0, -1, 1.5, Number.NaN, '100', null])('refuses maxEventBytes %s with a typed error', (value) => {
    let thrown: unknown;
    try {
      createParser({ onEvent() {} }, { maxEventBytes: value as number });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SSERangeError);
    expect(thrown).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field: 'maxEventBytes', value });
    expect((thrown as Error).message).toContain('a whole number of characters >= 1, or Infinity');
  });

  it('parseEventStream throws and cancels the body on an endless line', async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode(pulls === 0 ? 'data: a\n\ndata: ' : 'x'.repeat(100)));
        // Ten times the bound, then the body ends (where a parser without the bound would stop).
        if (++pulls === 100) controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    const events: ParsedEvent[] = [];
    await expect(async () => {
      for await (const event of parseEventStream(body, { maxEventBytes: 1000 })) events.push(event);
    }).rejects.toMatchObject({ code: 'ERR_SSE_EVENT_TOO_LARGE' });
    expect(events).toEqual([message('a')]);
    expect(cancelled).toBe(true);
  });
});
