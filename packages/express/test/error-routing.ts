// Express error middleware that records what it was handed, and the client side of a route that sends
// `before` and then fails: shared by the `res.sse` and `sse(handler)` tests.
import { deferred } from '@ssekit/test-kit';
import type { Express, NextFunction, Request, Response } from 'express';
import { expect } from 'vitest';
import { connect } from './helpers.js';

/** What an Express error middleware was handed: the error, and whether the response head was already out. */
export interface RoutedError {
  error: unknown;
  headersSent: boolean;
}

/** Adds error middleware to `app` that records the first error Express routes to it, then passes it on. */
export function recordRoutedError(app: Express): Promise<RoutedError> {
  const routed = deferred<RoutedError>();
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    routed.resolve({ error, headersSent: res.headersSent });
    next(error);
  });
  return routed.promise;
}

/** Connects to `url` and expects one event with the data `before`, then the end of the body. */
export async function expectBeforeThenEnd(url: string): Promise<void> {
  const client = await connect(url);
  expect(await client.next()).toMatchObject({ data: 'before' });
  expect(await client.next()).toBeUndefined();
}
