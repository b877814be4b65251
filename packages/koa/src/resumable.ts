import {
  nodeAnswer,
  type Producer,
  type Resumable,
  type ResumableRoute,
  type SSEOptions,
  validateSSEOptions,
} from '@ssekit/core';
import type { Context, Middleware } from 'koa';

/** What the start route's code decides: the new stream's id and what produces it. */
export interface ResumableStart {
  /** The stream id: 1-200 of `A-Z a-z 0-9 _ - . ~` (a UUID fits). */
  readonly streamId: string;
  /** Runs once per stream id, in the background; see `Producer`. */
  readonly producer: Producer;
}

/** Options of `resumableRoutes`: the event streams' options plus where the stream id is. */
export interface ResumableRoutesOptions extends SSEOptions {
  /** Reads the stream id of the `resume` and `cancel` routes. Default: `ctx.params.id` (`@koa/router`). */
  streamId?: (ctx: Context) => string;
}

/** The three Koa middlewares of a resumable stream. */
export interface ResumableRoutes {
  /** `POST /chat`: starts the stream (once per id) and streams it. */
  readonly start: Middleware;
  /** `GET /chat/:id/stream`: follows the stream from the request's Last-Event-ID; 404 once gone. */
  readonly resume: Middleware;
  /** `POST /chat/:id/cancel`: stops it; 200 `{"cancelled":true|false}`, 404 once gone. */
  readonly cancel: Middleware;
}

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
  options: ResumableRoutesOptions = {},
): ResumableRoutes {
  const {
    streamId = (ctx: Context) => (ctx as { params?: { id?: string } }).params?.id ?? '',
    ...streamOptions
  } = options;
  validateSSEOptions(streamOptions);
  const answer = async (ctx: Context, route: ResumableRoute) => {
    const write = await nodeAnswer(resumable, route, ctx.req, streamOptions, ctx.originalUrl);
    // The response is the answer's from here on: Koa must not write its own after it.
    ctx.respond = false;
    write(ctx.res);
  };
  return {
    start: async (ctx) => answer(ctx, { kind: 'start', ...(await start(ctx)) }),
    resume: (ctx) => answer(ctx, { kind: 'resume', streamId: streamId(ctx) }),
    cancel: (ctx) => answer(ctx, { kind: 'cancel', streamId: streamId(ctx) }),
  };
}
