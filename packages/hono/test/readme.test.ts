// The README's resumable-streams snippet, run as written on Hono served by @hono/node-server.
import * as ssekit from '@ssekit/hono';
import { describeReadmeResumableSnippet, runReadmeSnippet, wordModel } from '@ssekit/test-kit';
import { Hono } from 'hono';
import { serveNode } from './node-server.js';

describeReadmeResumableSnippet('Hono', () => {
  const app = new Hono();
  runReadmeSnippet(
    new URL('../README.md', import.meta.url),
    'resumableRoutes(answers',
    { '@ssekit/hono': ssekit },
    { app, model: wordModel },
  );
  return serveNode(app);
});
