import { describe, expect, it } from 'vitest';
import { EventCounter } from '../src/event-counter.mjs';

const MARKER = 'Zq7~';
const event = (data: string) => `data: ${MARKER}${data}\n\n`;

function chunked(pieces: string[]): string {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
  const body = pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('');
  return `${head}${body}0\r\n\r\n`;
}

function count(wire: string, splitAt: number[]): EventCounter {
  const bytes = Buffer.from(wire);
  const counter = new EventCounter(MARKER);
  let from = 0;
  for (const at of [...splitAt, bytes.length]) {
    counter.push(bytes.subarray(from, at));
    from = at;
  }
  return counter;
}

describe('EventCounter', () => {
  // One event split over two chunks, so chunk framing sits between its two terminating LFs.
  const pieces = [':\n\n', event('a'), 'data: Zq', '7~b\n', '\n', event('c') + event('d'), ': heartbeat\n\n'];
  const wire = chunked(pieces);

  it('counts events and other blocks in a chunked body read whole', () => {
    const c = count(wire, []);
    expect(c.status).toBe(200);
    expect(c.events).toBe(4);
    expect(c.otherBlocks).toBe(2);
    expect(c.ended).toBe(true);
    expect(c.bodyBytes).toBe(Buffer.byteLength(pieces.join('')));
  });

  it('counts the same whatever two places the socket reads are split at', () => {
    const length = Buffer.byteLength(wire);
    for (let i = 1; i < length; i++) {
      for (let j = i; j < length; j += 7) {
        const c = count(wire, [i, j]);
        expect([c.events, c.otherBlocks], `split at ${i}, ${j}`).toEqual([4, 2]);
      }
    }
  });

  it('reads a body that is not chunked, byte by byte', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n';
    const wire = `${head + event('x')}id: 1\nevent: message\ndata: "Zq7~y"\n\n:\n\n`;
    const c = count(
      wire,
      Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
    );
    expect([c.events, c.otherBlocks]).toEqual([2, 1]);
  });

  it('does not count an event until its blank line arrives', () => {
    const c = count(chunked([event('a'), `data: ${MARKER}b\n`]), []);
    expect(c.events).toBe(1);
  });
});
