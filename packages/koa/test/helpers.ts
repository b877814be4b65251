import { serveHttp, type TestServer } from '@ssekit/test-kit';
import Koa from 'koa';
import Koa2 from 'koa2';

/** Every Koa major the adapter supports; each test file runs its cases against all of them. */
export const koas = [
  ['koa 3', Koa],
  ['koa 2', Koa2],
] as const;

/** Serves a Koa app's callback (see test-kit's `serveHttp`). */
export function listen(app: Koa, drain?: () => Promise<void>): Promise<TestServer> {
  return serveHttp(app.callback(), drain);
}

export { connect, type EventClient } from '@ssekit/test-kit';
