import type { Resumable, ResumableHandlers, ResumableRoutesOptions, ResumableStart } from '@ssekit/core';
import { resumableHandlers } from '@ssekit/core/internal';
import { answerRequest } from '@ssekit/fetch/internal';
import type { Context, Handler } from 'hono';

/**
 * Hono handlers for a resumable stream (see `createResumable`): a generation that outlives its
 * connection, that any number of clients follow and resume, and that stops only on cancel. They
 * answer as `@ssekit/fetch` does, so they run wherever Hono runs.
 *
 * ```ts
 * const answers = createResumable();
 * const chat = resumableRoutes(answers, async (c) => {
 *   const { id, prompt } = await c.req.json();
 *   return { streamId: id, producer: ({ signal }) => generateTokens(prompt, signal) };
 * });
 * app.post('/chat', chat.start);
 * app.get('/chat/:id/stream', chat.resume);
 * app.post('/chat/:id/cancel', chat.cancel);
 * ```
 *
 * What `start` throws or rejects with (an invalid stream id: `SSEFieldError`) goes to Hono's
 * `onError`: nothing has been sent yet.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function resumableRoutes(
  resumable: Resumable,
  start: (c: Context) => ResumableStart | Promise<ResumableStart>,
  options: ResumableRoutesOptions<Context> = {},
): ResumableHandlers<Handler> {
  return resumableHandlers(
    options,
    (c) => c.req.param('id'),
    start,
    // With `export default app` or `Bun.serve({ fetch: app.fetch })` Hono's env is the Bun server.
    async (route, streamOptions, c) => answerRequest(resumable, await route, c.req.raw, streamOptions, c.env),
  );
}
