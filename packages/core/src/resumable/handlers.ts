import { type SSEOptions, validateSSEOptions } from '../options.js';
import type { ResumableRoute } from './resumable.js';
import type { ResumableHandlers, ResumableRoutesOptions, ResumableStart } from './routes.js';

/**
 * What every adapter's `resumableRoutes` does before its framework's part: checks the stream options
 * (a typed error, when called), and makes the three handlers, each of which calls `answer` with the
 * route it stands for. `start`'s decision, and a throw or rejection of it, reach `answer` as the
 * promised route, so the adapter routes the error its framework's way (nothing is written yet);
 * `resume` and `cancel` read the stream id with `options.streamId`, else `defaultStreamId` (the
 * route parameter `id`, where the framework keeps it). Reached through `@ssekit/core/internal`.
 */
export function resumableHandlers<Request, Rest extends unknown[], Result>(
  options: ResumableRoutesOptions<Request>,
  defaultStreamId: (request: Request) => string | undefined,
  start: (request: Request, ...rest: Rest) => ResumableStart | Promise<ResumableStart>,
  answer: (
    route: Promise<ResumableRoute>,
    streamOptions: SSEOptions,
    request: Request,
    ...rest: Rest
  ) => Result,
): ResumableHandlers<(request: Request, ...rest: Rest) => Result> {
  const { streamId = (request: Request) => defaultStreamId(request) ?? '', ...streamOptions } = options;
  validateSSEOptions(streamOptions);
  const handler =
    (route: (request: Request, rest: Rest) => ResumableRoute | Promise<ResumableRoute>) =>
    (request: Request, ...rest: Rest) =>
      answer(
        new Promise<ResumableRoute>((resolve) => resolve(route(request, rest))),
        streamOptions,
        request,
        ...rest,
      );
  return {
    start: handler(async (request, rest) => ({ kind: 'start', ...(await start(request, ...rest)) })),
    resume: handler((request) => ({ kind: 'resume', streamId: streamId(request) })),
    cancel: handler((request) => ({ kind: 'cancel', streamId: streamId(request) })),
  };
}
