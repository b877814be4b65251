import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createUtf8Chunks } from '../src/utf8-chunks.js';

/** What one streaming TextDecoder makes of the chunks: the reference the parser's decoder must match. */
function streaming(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode();
}

function ours(chunks: Uint8Array[]): string {
  const utf8 = createUtf8Chunks();
  return chunks.map((chunk) => utf8.decode(chunk)).join('') + utf8.flush();
}

function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((point) => point % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of at) {
    chunks.push(bytes.slice(from, point));
    from = point;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

// Bytes biased towards UTF-8's edges: lead bytes of every length, continuation bytes, the
// overlong and surrogate ranges (E0 80, ED A0), bytes never valid (C0, F5, FF), and ASCII.
const edgeByte = fc.constantFrom(
  0x41,
  0x0a,
  0x80,
  0xbf,
  0xc0,
  0xc2,
  0xdf,
  0xe0,
  0xed,
  0xa0,
  0xef,
  0xf0,
  0xf4,
  0xf5,
  0xff,
);
const bytes = fc
  .array(fc.oneof(edgeByte, fc.integer({ min: 0, max: 255 })), { maxLength: 40 })
  .map((list) => new Uint8Array(list));

describe('createUtf8Chunks', () => {
  it('decodes any bytes, cut anywhere, exactly as one streaming TextDecoder', () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 10 }), (body, points) => {
        const chunks = cut(body, points);
        expect(ours(chunks)).toBe(streaming(chunks));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes valid text cut inside every character', () => {
    const body = new TextEncoder().encode('\uFEFFaé€😀\u0085z');
    for (let i = 0; i <= body.length; i++) {
      for (let j = i; j <= body.length; j++) {
        const chunks = [body.slice(0, i), body.slice(i, j), body.slice(j)];
        expect(ours(chunks), `cut at ${i}, ${j}`).toBe('\uFEFFaé€😀\u0085z');
      }
    }
  });

  it('ends an unfinished character with U+FFFD at flush', () => {
    const utf8 = createUtf8Chunks();
    expect(utf8.decode(new Uint8Array([0x61, 0xf0, 0x9f]))).toBe('a');
    expect(utf8.flush()).toBe('\uFFFD');
    expect(utf8.flush()).toBe('');
  });
});
