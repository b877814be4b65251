// A bare node:http server mounting the three resumable routes through `nodeAnswer`, so the core's
// resumable streams are tested over real HTTP without any framework in between.
import {
  nodeAnswer,
  type Producer,
  type Resumable,
  type ResumableRoute,
  type SSEOptions,
} from '@ssekit/core';
import { serveHttp } from '@ssekit/test-kit';

/** A running server: its base URL and how to stop it. */
export interface ResumableServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `POST /chat?id=…` (the stream id and producer from `startOf`), `GET /chat/:id/stream` and
 * `POST /chat/:id/cancel` on 127.0.0.1 and a free port.
 */
export async function serveResumable(
  resumable: Resumable,
  startOf: (url: string) => { streamId: string; producer: Producer },
  options: SSEOptions = {},
): Promise<ResumableServer> {
  return serveHttp((req, res) => {
    const url = req.url ?? '/';
    const [, chat, id, action] = url.split('?')[0]?.split('/') ?? [];
    let route: ResumableRoute | undefined;
    const fail = (error: Error) => res.writeHead(500).end(`${error.name}: ${error.message}`);
    if (chat === 'chat' && id === undefined && req.method === 'POST') {
      try {
        route = { kind: 'start', ...startOf(url) };
      } catch (error) {
        return void fail(error as Error);
      }
    } else if (chat === 'chat' && id !== undefined && action === 'stream')
      route = { kind: 'resume', streamId: id };
    else if (chat === 'chat' && id !== undefined && action === 'cancel')
      route = { kind: 'cancel', streamId: id };
    if (!route) return void res.writeHead(404).end();
    nodeAnswer(resumable, route, req, options).then((write) => write(res), fail);
  });
}
