// Sends through an instance while its engine fails (restart, killed master): what the scale-out
// tests of every engine check about it, once.
import { expect } from 'vitest';
import { postJson } from './instances.js';
import { waitFor } from './wait.js';

/** What an instance's POST /send (and each entry of POST /burst) answers. */
export type SendResult = { data: string; id?: string; code?: string };

/** POSTs /send with `data` to `instance`: resolves to its id, or the code it was refused with. */
export function sendThrough(instance: { url: string }, data: string): Promise<SendResult> {
  return postJson<SendResult>(instance, '/send', { data });
}

/** POSTs /burst to `instance`: `count` sends, `intervalMs` apart, data `<prefix><n>`. */
export async function burst(
  instance: { url: string },
  options: { count: number; intervalMs: number; prefix: string },
): Promise<SendResult[]> {
  return (await postJson<{ results: SendResult[] }>(instance, '/burst', options)).results;
}

/**
 * Checks a burst across an outage: some sends were refused, each with `code`, and sends were
 * confirmed both before and after them. Resolves to the confirmed data, in send order.
 */
export function confirmedAcrossOutage(results: SendResult[], code: string): string[] {
  const rejected = results.filter((result) => result.id === undefined);
  expect(rejected.length).toBeGreaterThan(0);
  expect(new Set(rejected.map((result) => result.code))).toEqual(new Set([code]));
  expect(results.indexOf(rejected[0] as SendResult)).toBeGreaterThan(0);
  expect(results.indexOf(rejected.at(-1) as SendResult)).toBeLessThan(results.length - 1);
  return results.filter((result) => result.id !== undefined).map((result) => result.data);
}

/**
 * Waits (up to 15 s) until one client has received every `confirmed` event of a burst (`received()`:
 * the burst's data it has so far), then checks it got each exactly once, in send order. A refused
 * one may arrive too (its reply may be lost with the kill), but only once.
 */
export async function expectConfirmedOnce(received: () => string[], confirmed: string[]): Promise<void> {
  await waitFor(() => confirmed.every((data) => received().includes(data)), 'every confirmed event', 15_000);
  expect(received().filter((data) => confirmed.includes(data))).toEqual(confirmed);
  expect(new Set(received()).size).toBe(received().length);
}
