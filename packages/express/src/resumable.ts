import {
  type NodeAnswerResponse,
  nodeAnswer,
  type Resumable,
  type ResumableHandlers,
  type ResumableRoutesOptions,
  type ResumableStart,
} from '@ssekit/core';
import { resumableHandlers } from '@ssekit/core/internal';
import type { SSENext, SSERequestLike } from './middleware.js';

/**
 * A request with the route parameters Express parsed: strings, or (Express 5, a `*name` wildcard)
 * the matched segments, which read as the id joined with `/` (and so refused as an id).
 */
export interface ResumableRequestLike extends SSERequestLike {
  readonly params?: { readonly [name: string]: string | readonly string[] | undefined } | undefined;
}

/** The `id` route parameter as one string. */
function idParam(req: ResumableRequestLike): string | undefined {
  const id = req.params?.id;
  return typeof id === 'object' ? id.join('/') : id;
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
  return resumableHandlers<Req, [Res, SSENext], void>(
    options,
    idParam,
    start,
    (route, streamOptions, req, res, next) => {
      const url = req.originalUrl ?? req.url;
      route.then((r) => nodeAnswer(resumable, r, req, streamOptions, url)).then((write) => write(res), next);
    },
  );
}
