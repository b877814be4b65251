import {
  type NodeAnswerResponse,
  nodeAnswer,
  type Resumable,
  type ResumableHandlers,
  type ResumableRoute,
  type ResumableRoutesOptions,
  type ResumableStart,
  validateSSEOptions,
} from '@ssekit/core';
import type { SSENext, SSERequestLike } from './middleware.js';

/** A request with the route parameters Express parsed. */
export interface ResumableRequestLike extends SSERequestLike {
  readonly params?: { readonly [name: string]: string | undefined } | undefined;
}

/**
 * Express handlers for a resumable stream (see `createResumable`): a generation that outlives its
 * connection, that any number of clients follow and resume, and that stops only on cancel.
 *
 * ```ts
 * const answers = createResumable();
 * const chat = resumableRoutes(answers, (req) => ({
 *   streamId: req.body.id,
 *   producer: ({ signal }) => generateTokens(req.body.prompt, signal),
 * }));
 * app.post('/chat', express.json(), chat.start);
 * app.get('/chat/:id/stream', chat.resume);
 * app.post('/chat/:id/cancel', chat.cancel);
 * ```
 *
 * What `start` throws or rejects with (an invalid stream id: `SSEFieldError`) goes to Express's `next`.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function resumableRoutes<
  Req extends ResumableRequestLike = ResumableRequestLike,
  Res extends NodeAnswerResponse = NodeAnswerResponse,
>(
  resumable: Resumable,
  start: (req: Req, res: Res) => ResumableStart | Promise<ResumableStart>,
  options: ResumableRoutesOptions<Req> = {},
): ResumableHandlers<(req: Req, res: Res, next: SSENext) => void> {
  const { streamId = (req: Req) => req.params?.id ?? '', ...streamOptions } = options;
  validateSSEOptions(streamOptions);
  const answer = (
    req: Req,
    res: Res,
    next: SSENext,
    route: () => ResumableRoute | Promise<ResumableRoute>,
  ) => {
    const url = req.originalUrl ?? req.url;
    (async () => nodeAnswer(resumable, await route(), req, streamOptions, url))().then(
      (write) => write(res),
      next,
    );
  };
  return {
    start: (req, res, next) =>
      answer(req, res, next, async () => ({ kind: 'start', ...(await start(req, res)) })),
    resume: (req, res, next) => answer(req, res, next, () => ({ kind: 'resume', streamId: streamId(req) })),
    cancel: (req, res, next) => answer(req, res, next, () => ({ kind: 'cancel', streamId: streamId(req) })),
  };
}
