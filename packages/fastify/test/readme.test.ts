// The README's resumable-streams snippet, run as written on Fastify.
import * as ssekit from '@ssekit/fastify';
import { describeReadmeResumableSnippet, runReadmeSnippet, wordModel } from '@ssekit/test-kit';
import Fastify from 'fastify';
import { listen } from './helpers.js';

describeReadmeResumableSnippet('Fastify', () => {
  const app = Fastify();
  runReadmeSnippet(
    new URL('../README.md', import.meta.url),
    'resumableRoutes(answers',
    { '@ssekit/fastify': ssekit },
    { app, model: wordModel },
  );
  return listen(app);
});
