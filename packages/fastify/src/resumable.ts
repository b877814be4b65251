import {
  type NodeAnswerResponse,
  type NodeRequestLike,
  nodeAnswer,
  type Resumable,
  type ResumableHandlers,
  type ResumableRoutesOptions,
  type ResumableStart,
} from '@ssekit/core';
import { resumableHandlers } from '@ssekit/core/internal';
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
  return resumableHandlers(
    options,
    (request) => (request.params as { id?: string } | undefined)?.id,
    start,
    async (route, streamOptions, request, reply) => {
      const raw = request.raw as unknown as NodeRequestLike;
      const write = await nodeAnswer(resumable, await route, raw, streamOptions, request.originalUrl);
      reply.hijack();
      write(reply.raw as unknown as NodeAnswerResponse);
    },
  );
}
