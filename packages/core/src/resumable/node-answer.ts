import { readLastEventId } from '../last-event-id.js';
import { type NodeRequestLike, nodeStreamRequest } from '../node-request.js';
import { type SSEOptions, validateSSEOptions } from '../options.js';
import { openSSEStream } from '../stream.js';
import type { NodeResponseLike } from '../transports/node-response.js';
import type { Resumable, ResumableRoute } from './resumable.js';

/** A Node response that can also end with a small body (every Node response can). */
export interface NodeAnswerResponse extends NodeResponseLike {
  end(body?: string): unknown;
}

/**
 * Decides the answer of a Node request (Express, Koa's `ctx.req`, Fastify's `raw`) for one of the
 * three routes of a resumable stream, and returns what writes it: it opens the event stream and
 * follows it in the background, or writes the status and its JSON body (see `ResumableAnswer`).
 * Nothing is written before the returned function is called, so a framework can still answer an
 * error (the promise rejects with an `SSEFieldError` for a `start` with an invalid stream id, or a
 * log failure) its own way. What Express, Koa and Fastify share; each only finds the request, the
 * response and the stream id.
 *
 * @param url the URL the client asked for, when the framework may have rewritten `request.url`
 */
export async function nodeAnswer(
  resumable: Resumable,
  route: ResumableRoute,
  request: NodeRequestLike,
  options: SSEOptions = {},
  url: string | undefined = request.url,
): Promise<(response: NodeAnswerResponse) => void> {
  const { lastEventIdQuery } = validateSSEOptions(options);
  const lastEventId = readLastEventId(request.headers['last-event-id'], url, lastEventIdQuery);
  const answer = await resumable.answer(route, lastEventId);
  return (response) => {
    if ('follow' in answer) {
      void answer.follow(openSSEStream(nodeStreamRequest(request, response, url), options));
      return;
    }
    const body = answer.json === undefined ? undefined : JSON.stringify(answer.json);
    response.writeHead(answer.status, {
      'cache-control': 'no-store',
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    });
    response.end(body);
  };
}
