/**
 * The contract of a `ResumableLog`, as tests: what `memoryLog` does and what a shared log (Redis,
 * NATS…) must do too. A log's test file calls `describeResumableLog` with a factory; each test
 * uses stream ids of its own, so a shared store needs no cleaning between tests.
 */
import type { LogChange, ResumableLimits, ResumableLog } from '@ssekit/core';
import { until } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const LIMITS: ResumableLimits = { maxEvents: 1000, maxBytes: 1024 * 1024, ttl: 60_000, maxDuration: 60_000 };
let ids = 0;
/** A stream id no other test (or earlier run against the same store) uses. */
const fresh = () => `log-${Date.now().toString(36)}-${++ids}`;

/** Registers the log contract for one implementation; `make` is called once for the suite. */
export function describeResumableLog(name: string, make: () => ResumableLog | Promise<ResumableLog>): void {
  describe(`ResumableLog contract: ${name}`, () => {
    let log: ResumableLog;
    beforeAll(async () => {
      log = await make();
    });
    afterAll(() => log?.close());

    test('creates a stream once: a second create changes nothing and names the same generation', async () => {
      const id = fresh();
      const first = await log.create(id, LIMITS);
      expect(first.created).toBe(true);
      expect(first.generation).toMatch(/^[0-9a-z]+$/);
      expect(await log.create(id, LIMITS)).toEqual({ created: false, generation: first.generation });
    });

    test('numbers events from 1 and reads them after a position, a page at a time', async () => {
      const id = fresh();
      const { generation } = await log.create(id, LIMITS);
      const before = Date.now();
      for (let i = 1; i <= 5; i++) {
        expect(
          await log.append(id, generation, i === 3 ? { event: 'named', data: `d${i}` } : { data: `d${i}` }),
        ).toBe(i);
      }
      const page = await log.read(id, { after: 1, limit: 2 });
      expect(page).toMatchObject({ kind: 'page', generation, first: 1, last: 5 });
      if (page.kind !== 'page') return;
      expect(page.entries).toEqual([
        { seq: 2, data: 'd2' },
        { seq: 3, event: 'named', data: 'd3' },
      ]);
      expect(page.terminal).toBeUndefined();
      expect(page.deadline).toBeGreaterThanOrEqual(before + LIMITS.maxDuration - 1000);
      expect((await log.read(id, { generation, after: 5, limit: 10 })).kind).toBe('page');
    });

    test('finishes once, atomically with the last event; refuses appends after the end', async () => {
      const id = fresh();
      const { generation } = await log.create(id, LIMITS);
      await log.append(id, generation, { data: 'a' });
      expect(await log.finish(id, 'not-this-one', { state: 'done' })).toBe(false);
      expect(await log.finish(id, generation, { state: 'error', message: 'm' })).toBe(true);
      expect(await log.finish(id, undefined, { state: 'cancelled', reason: 'request' })).toBe(false);
      expect(await log.append(id, generation, { data: 'late' })).toBeUndefined();
      expect(await log.read(id, { after: 0, limit: 10 })).toMatchObject({
        kind: 'page',
        last: 1,
        entries: [{ seq: 1, data: 'a' }],
        terminal: { state: 'error', message: 'm' },
      });
    });

    test('answers gone for an unknown id and for another generation', async () => {
      expect(await log.read(fresh(), { after: 0, limit: 1 })).toEqual({ kind: 'gone' });
      const id = fresh();
      await log.create(id, LIMITS);
      expect(await log.read(id, { generation: 'zz0', after: 0, limit: 1 })).toEqual({ kind: 'gone' });
      expect(await log.finish(fresh(), undefined, { state: 'done' })).toBe(false);
    });

    test('trims the oldest events past maxEvents and maxBytes, keeping their numbers', async () => {
      const id = fresh();
      const { generation } = await log.create(id, { ...LIMITS, maxEvents: 3 });
      for (let i = 1; i <= 10; i++) await log.append(id, generation, { data: `d${i}` });
      const page = await log.read(id, { after: 0, limit: 100 });
      expect(page).toMatchObject({ first: 8, last: 10 });
      if (page.kind === 'page') expect(page.entries.map((entry) => entry.seq)).toEqual([8, 9, 10]);
      const bytes = fresh();
      const b = await log.create(bytes, { ...LIMITS, maxBytes: 25 });
      for (let i = 1; i <= 10; i++) await log.append(bytes, b.generation, { data: 'x'.repeat(10) });
      expect(await log.read(bytes, { after: 0, limit: 100 })).toMatchObject({ first: 9, last: 10 });
    });

    test('is gone once a finished stream passes its TTL; the id can then be created anew', async () => {
      const id = fresh();
      const { generation } = await log.create(id, { ...LIMITS, ttl: 100 });
      await log.finish(id, generation, { state: 'done' });
      await until(
        async () => ((await log.read(id, { after: 0, limit: 1 })).kind === 'gone' ? true : undefined),
        'the stream to be gone',
        5000,
        20,
      );
      const again = await log.create(id, LIMITS);
      expect(again.created).toBe(true);
      expect(again.generation).not.toBe(generation);
    });

    test('tells watchers of every append and of the end, until they stop watching', async () => {
      const id = fresh();
      const { generation } = await log.create(id, LIMITS);
      const changes: LogChange[] = [];
      const stop = log.watch(id, (change) => changes.push(change));
      await log.append(id, generation, { data: 'a' });
      await log.finish(id, generation, { state: 'done' });
      await until(() => (changes.some((change) => change.terminal) ? true : undefined), 'the end to be told');
      expect(changes.at(-1)).toEqual({ last: 1, terminal: { state: 'done' } });
      stop();
      const other = fresh();
      const stopOther = log.watch(other, (change) => changes.push(change));
      stopOther();
      const created = await log.create(other, LIMITS);
      const count = changes.length;
      await log.append(other, created.generation, { data: 'b' });
      expect(changes.length).toBe(count);
    });
  });
}
