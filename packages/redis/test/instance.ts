// One server instance in this process: a node:http server whose /events streams join a channel
// backed by a Redis stream, and whose POST /send broadcasts on it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  const server = createServer((req, res) => {
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    channel,
    shared,
    async close() {
      await channel.close();
      await new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
    },
    async shutdown(options) {
      await group.close(options);
      await channel.close();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
