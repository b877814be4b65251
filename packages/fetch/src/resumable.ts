import {
  type Resumable,
  type ResumableRoute,
  type ResumableStart,
  readLastEventId,
  type SSEOptions,
  validateSSEOptions,
} from '@ssekit/core';
import { reportFailure, respondWithEventStream } from './respond.js';

/**
 * The three route handlers of a resumable stream, for any fetch-style server (Next.js route
 * handlers, Bun, Deno, Workers). The stream id of `resume` and `cancel` comes from the route.
 */
export interface ResumableRoutes {
  /** `POST /chat`: starts the stream (once per id) and streams it. */
  start(request: Request, server?: unknown): Promise<Response>;
  /** `GET /chat/:id/stream`: follows stream `streamId` from the request's Last-Event-ID; 404 once gone. */
  resume(request: Request, streamId: string, server?: unknown): Promise<Response>;
  /** `POST /chat/:id/cancel`: stops stream `streamId`; 200 `{"cancelled":true|false}`, 404 once gone. */
  cancel(request: Request, streamId: string): Promise<Response>;
}

const FAILED = '[@ssekit/fetch] a resumable stream';

/**
 * Answers `request` for one of the three routes of a resumable stream: an event stream that
 * follows it (as `respondWithEventStream`: HEAD, Bun's idle timeout, Workers' heartbeats), or the
 * status with its JSON body. For ssekit's adapters on fetch-style servers (`@ssekit/hono`), not a
 * stable API. The stream options must have been checked (`validateSSEOptions`).
 */
export async function answerRequest(
  resumable: Resumable,
  route: ResumableRoute,
  request: Request,
  streamOptions: SSEOptions,
  server?: unknown,
): Promise<Response> {
  const lastEventId = readLastEventId(
    request.headers.get('last-event-id'),
    request.url,
    streamOptions.lastEventIdQuery,
  );
  const answer = await resumable.answer(route, lastEventId);
  if ('follow' in answer) {
    return respondWithEventStream(request, answer.follow, streamOptions, {
      onFailure: reportFailure(FAILED, undefined),
      server,
    });
  }
  const headers = { 'cache-control': 'no-store' };
  return answer.json === undefined
    ? new Response(null, { status: answer.status, headers })
    : Response.json(answer.json, { status: answer.status, headers });
}

/**
 * Route handlers for a resumable stream (see `createResumable`): a generation that outlives its
 * connection, that any number of clients follow and resume, and that stops only on cancel.
 *
 * ```ts
 * // app/chat/route.ts, app/chat/[id]/stream/route.ts, app/chat/[id]/cancel/route.ts (Next.js)
 * const chat = resumableRoutes(answers, async (request) => {
 *   const { id, prompt } = await request.json();
 *   return { streamId: id, producer: ({ signal }) => generateTokens(prompt, signal) };
 * });
 * export const POST = (request: Request) => chat.start(request);
 * export const GET = async (request: Request, { params }) => chat.resume(request, (await params).id);
 * ```
 *
 * What `start` throws or rejects with (an invalid stream id: `SSEFieldError`) rejects the
 * handler's promise, so the server answers it as an error: nothing has been sent yet.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function resumableRoutes(
  resumable: Resumable,
  start: (request: Request) => ResumableStart | Promise<ResumableStart>,
  options: SSEOptions = {},
): ResumableRoutes {
  validateSSEOptions(options);
  return {
    start: async (request, server) =>
      answerRequest(resumable, { kind: 'start', ...(await start(request)) }, request, options, server),
    resume: (request, streamId, server) =>
      answerRequest(resumable, { kind: 'resume', streamId }, request, options, server),
    cancel: (request, streamId) => answerRequest(resumable, { kind: 'cancel', streamId }, request, options),
  };
}
