import {
  type NodeAnswerResponse,
  nodeAnswer,
  type Producer,
  type Resumable,
  type ResumableRoute,
  type SSEOptions,
  validateSSEOptions,
} from '@ssekit/core';
import type { SSENext, SSERequestLike } from './middleware.js';

/** A request with the route parameters Express parsed. */
export interface ResumableRequestLike extends SSERequestLike {
  readonly params?: { readonly [name: string]: string | undefined } | undefined;
}

/** What the start route's code decides: the new stream's id and what produces it. */
export interface ResumableStart {
  /** The stream id: 1-200 of `A-Z a-z 0-9 _ - . ~` (a UUID fits). */
  readonly streamId: string;
  /** Runs once per stream id, in the background; see `Producer`. */
  readonly producer: Producer;
}

/** Options of `resumableRoutes`: the event streams' options plus where the stream id is. */
export interface ResumableRoutesOptions<Req extends ResumableRequestLike = ResumableRequestLike>
  extends SSEOptions {
  /** Reads the stream id of the `resume` and `cancel` routes. Default: `req.params.id`. */
  streamId?: (req: Req) => string;
}

/** The three Express handlers of a resumable stream. */
export interface ResumableRoutes<Req extends ResumableRequestLike, Res extends NodeAnswerResponse> {
  /** `POST /chat`: starts the stream (once per id) and streams it. */
  start(req: Req, res: Res, next: SSENext): void;
  /** `GET /chat/:id/stream`: follows the stream from the request's Last-Event-ID; 404 once gone. */
  resume(req: Req, res: Res, next: SSENext): void;
  /** `POST /chat/:id/cancel`: stops it; 200 `{"cancelled":true|false}`, 404 once gone. */
  cancel(req: Req, res: Res, next: SSENext): void;
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
): ResumableRoutes<Req, Res> {
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
