import {
  type NodeAnswerResponse,
  type NodeRequestLike,
  nodeAnswer,
  type Producer,
  type Resumable,
  type ResumableRoute,
  type SSEOptions,
  validateSSEOptions,
} from '@ssekit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the start route's code decides: the new stream's id and what produces it. */
export interface ResumableStart {
  /** The stream id: 1-200 of `A-Z a-z 0-9 _ - . ~` (a UUID fits). */
  readonly streamId: string;
  /** Runs once per stream id, in the background; see `Producer`. */
  readonly producer: Producer;
}

/** Options of `resumableRoutes`: the event streams' options plus where the stream id is. */
export interface ResumableRoutesOptions extends SSEOptions {
  /** Reads the stream id of the `resume` and `cancel` routes. Default: `request.params.id`. */
  streamId?: (request: FastifyRequest) => string;
}

/** A Fastify route handler of a resumable stream. */
export type ResumableRouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The three Fastify route handlers of a resumable stream. */
export interface ResumableRoutes {
  /** `POST /chat`: starts the stream (once per id) and streams it. */
  readonly start: ResumableRouteHandler;
  /** `GET /chat/:id/stream`: follows the stream from the request's Last-Event-ID; 404 once gone. */
  readonly resume: ResumableRouteHandler;
  /** `POST /chat/:id/cancel`: stops it; 200 `{"cancelled":true|false}`, 404 once gone. */
  readonly cancel: ResumableRouteHandler;
}

/**
 * Fastify route handlers for a resumable stream (see `createResumable`): a generation that
 * outlives its connection, that any number of clients follow and resume, and that stops only on
 * cancel. They need no plugin: each takes the reply over (`reply.hijack()`) once its answer is known.
 *
 * ```ts
 * const answers = createResumable();
 * const chat = resumableRoutes(answers, (request) => ({
 *   streamId: request.body.id,
 *   producer: ({ signal }) => generateTokens(request.body.prompt, signal),
 * }));
 * app.post('/chat', chat.start);
 * app.get('/chat/:id/stream', chat.resume);
 * app.post('/chat/:id/cancel', chat.cancel);
 * ```
 *
 * What `start` throws or rejects with (an invalid stream id: `SSEFieldError`) goes to Fastify's
 * error handler: nothing has been written yet.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function resumableRoutes(
  resumable: Resumable,
  start: (request: FastifyRequest, reply: FastifyReply) => ResumableStart | Promise<ResumableStart>,
  options: ResumableRoutesOptions = {},
): ResumableRoutes {
  const {
    streamId = (request: FastifyRequest) => (request.params as { id?: string } | undefined)?.id ?? '',
    ...streamOptions
  } = options;
  validateSSEOptions(streamOptions);
  const answer = async (request: FastifyRequest, reply: FastifyReply, route: ResumableRoute) => {
    const raw = request.raw as unknown as NodeRequestLike;
    const write = await nodeAnswer(resumable, route, raw, streamOptions, request.originalUrl);
    reply.hijack();
    write(reply.raw as unknown as NodeAnswerResponse);
  };
  return {
    start: async (request, reply) =>
      answer(request, reply, { kind: 'start', ...(await start(request, reply)) }),
    resume: (request, reply) => answer(request, reply, { kind: 'resume', streamId: streamId(request) }),
    cancel: (request, reply) => answer(request, reply, { kind: 'cancel', streamId: streamId(request) }),
  };
}
