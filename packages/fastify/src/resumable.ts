import {
  type NodeAnswerResponse,
  type NodeRequestLike,
  nodeAnswer,
  type Resumable,
  type ResumableHandlers,
  type ResumableRoute,
  type ResumableRoutesOptions,
  type ResumableStart,
  validateSSEOptions,
} from '@ssekit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A Fastify route handler of a resumable stream. */
export type ResumableRouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

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
  options: ResumableRoutesOptions<FastifyRequest> = {},
): ResumableHandlers<ResumableRouteHandler> {
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
