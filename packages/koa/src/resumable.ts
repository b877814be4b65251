import {
  nodeAnswer,
  type Resumable,
  type ResumableHandlers,
  type ResumableRoutesOptions,
  type ResumableStart,
} from '@ssekit/core';
import { resumableHandlers } from '@ssekit/core/internal';
import type { Context, Middleware } from 'koa';

/**
 * Koa middlewares for a resumable stream (see `createResumable`): a generation that outlives its
 * connection, that any number of clients follow and resume, and that stops only on cancel.
 *
 * ```ts
 * const answers = createResumable();
 * const chat = resumableRoutes(answers, (ctx) => ({
 *   streamId: ctx.request.body.id,
 *   producer: ({ signal }) => generateTokens(ctx.request.body.prompt, signal),
 * }));
 * router.post('/chat', bodyParser(), chat.start);
 * router.get('/chat/:id/stream', chat.resume);
 * router.post('/chat/:id/cancel', chat.cancel);
 * ```
 *
 * What `start` throws or rejects with (an invalid stream id: `SSEFieldError`) is thrown to Koa,
 * which answers it as usual: nothing has been written yet.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function resumableRoutes(
  resumable: Resumable,
  start: (ctx: Context) => ResumableStart | Promise<ResumableStart>,
  options: ResumableRoutesOptions<Context> = {},
): ResumableHandlers<Middleware> {
  return resumableHandlers(
    options,
    (ctx) => (ctx as { params?: { id?: string } }).params?.id,
    start,
    async (route, streamOptions, ctx) => {
      const write = await nodeAnswer(resumable, await route, ctx.req, streamOptions, ctx.originalUrl);
      // The response is the answer's from here on: Koa must not write its own after it.
      ctx.respond = false;
      write(ctx.res);
    },
  );
}
