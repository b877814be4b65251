// One server instance in this process: a node:http server whose /events streams join a channel
// backed by a Redis stream, and whose POST /send broadcasts on it.
import {
  type Channel,
  type ChannelOptions,
  createChannel,
  createStreamGroup,
  type DrainOptions,
  nodeResponseTransport,
  openSSEStream,
} from '@ssekit/core';
import { type RedisChannel, type RedisChannelOptions, redisChannel } from '@ssekit/redis';
import { serveHttp } from '@ssekit/test-kit';

export interface Instance {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  channel: Channel;
  shared: RedisChannel;
  /** Closes the channel (and so its Redis connections), then the HTTP server. */
  close(): Promise<void>;
  /**
   * Shuts down as the README's SIGTERM recipe does: drains every stream it opened, closes the
   * channel, then the HTTP server without cutting any connection.
   */
  shutdown(options: DrainOptions): Promise<void>;
}

export async function startInstance(
  options: RedisChannelOptions,
  channelOptions: Pick<ChannelOptions, 'onError' | 'monitor'> = {},
): Promise<Instance> {
  const shared = redisChannel(options);
  await shared.ready();
  const channel = createChannel({ history: shared, ...channelOptions });
  const group = createStreamGroup();
  // What the next `shutdown` drains with: the server's drain step runs before it closes.
  let drainOptions: DrainOptions = {};
  const drain = async () => {
    await group.close(drainOptions);
    await channel.close();
  };
  const server = await serveHttp((req, res) => {
    if (req.url?.startsWith('/events')) {
      const stream = openSSEStream(
        {
          transport: nodeResponseTransport(res, req.socket),
          lastEventIdHeader: req.headers['last-event-id'],
          url: req.url,
          connectionHeader: true,
          group,
        },
        { heartbeat: 1_000 },
      );
      channel.add(stream);
    } else {
      res.writeHead(404).end();
    }
  }, drain);
  return {
    url: server.url,
    channel,
    shared,
    async close() {
      await channel.close();
      await server.close();
    },
    shutdown(options) {
      drainOptions = options;
      return server.shutdown();
    },
  };
}
