import {
  type AddOptions,
  type Channel,
  type SSEOptions,
  type StreamGroup,
  validateSSEOptions,
} from '@ssekit/core';
import { reportFailure, respondWithEventStream } from './respond.js';

// `channel.add` does not throw; should it ever, the error is logged.
const onFailure = reportFailure('[@ssekit/fetch] subscribe', undefined);

/** Options of `subscribe`: the stream's options, the channel membership's, the server and a group. */
export interface SubscribeOptions extends SSEOptions, AddOptions {
  /** As for `eventStream`: Bun's `Server`, whose idle timeout is lifted for this response. */
  server?: unknown;
  /** As for `eventStream`: the group the stream joins, for a graceful shutdown. Default: none. */
  group?: StreamGroup | undefined;
}

/**
 * Answers `request` with an event stream that is a member of `channel`: a reconnecting client
 * first gets the events it missed (by its `Last-Event-ID` header or `lastEventId` query parameter,
 * when the channel has a history), then every broadcast, until it leaves.
 *
 * ```ts
 * const chat = createChannel({ history: 500 });
 * export const GET = (request: Request) => subscribe(request, chat);
 * export async function POST(request: Request) {
 *   await chat.send(await request.text());
 *   return new Response(null, { status: 204 });
 * }
 * ```
 *
 * @param request the request to answer
 * @param channel the channel the stream joins
 * @param options stream options, `filter` (which broadcasts this client gets), `server`, `group`;
 *   checked on each call
 * @throws SSERangeError / SSEFieldError when an option is out of range
 */
export function subscribe<Events extends Record<string, unknown> = Record<string, unknown>>(
  request: Request,
  channel: Channel<Events>,
  options: SubscribeOptions = {},
): Response {
  const { filter, server, group, ...streamOptions } = options;
  validateSSEOptions(streamOptions);
  return respondWithEventStream(request, (stream) => channel.add(stream, { filter }), streamOptions, {
    onFailure,
    server,
    group,
  });
}
