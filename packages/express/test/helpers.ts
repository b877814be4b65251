import express from 'express';
import express4 from 'express4';

/**
 * Every test body runs against both Express majors. Express 4 is typed as 5 here so one body fits
 * both; `types.check.ts` checks `sse` against Express 4's own types.
 */
export const expressVersions: ReadonlyArray<readonly [string, typeof express]> = [
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
];

/** Serves an Express app (see test-kit's `serveHttp`). */
export { connect, type EventClient, serveHttp as listen, type TestServer } from '@ssekit/test-kit';
