import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/latency-histogram.mjs';
import { MARKER } from '../src/payload.mjs';
import { nowMicros, readStamp, stampedPayload } from '../src/stamp.mjs';

describe('send-time stamps', () => {
  it('carry the send time in a payload of the size asked for, read back at the marker', () => {
    const before = nowMicros();
    const payload = stampedPayload(100);
    const after = nowMicros();
    expect(payload).toHaveLength(100);
    expect(payload.startsWith(MARKER)).toBe(true);
    const stamp = readStamp(Buffer.from(`data: ${payload}\n\n`), 'data: '.length + MARKER.length);
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(stamp).toBeLessThanOrEqual(Math.ceil(after) + 1);
  });

  it('read as NaN where the bytes are cut short or are not digits', () => {
    const payload = Buffer.from(stampedPayload(40));
    expect(readStamp(payload.subarray(0, 10), MARKER.length)).toBeNaN();
    expect(readStamp(Buffer.from(`${MARKER}12345x7890123456`), MARKER.length)).toBeNaN();
  });

  it('refuse a size that cannot hold the stamp', () => {
    expect(() => stampedPayload(10)).toThrow(/at least 20 bytes/);
  });
});

describe('LatencyHistogram', () => {
  it('gives quantiles to 10 µs below 100 ms and to 1 ms above', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 1000; us++) h.record(us * 10); // 10 µs .. 10 ms, evenly
    expect(h.count).toBe(1000);
    expect(h.quantileMs(0.5)).toBeCloseTo(5.01, 2);
    expect(h.quantileMs(0.99)).toBeCloseTo(9.91, 2);
    h.record(250_400);
    expect(h.quantileMs(1)).toBeCloseTo(250.4, 1);
    expect(h.maxUs).toBe(250_400);
  });

  it('is empty after a reset', () => {
    const h = new LatencyHistogram();
    h.record(500);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.quantileMs(0.5)).toBeNaN();
  });
});
