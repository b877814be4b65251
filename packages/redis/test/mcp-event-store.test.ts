// mcpEventStore with the real @modelcontextprotocol/sdk: its Streamable HTTP server transport on
// Express (test/fixtures/mcp-instance.mjs, separate processes) and its client, whose connection is
// cut mid-response by a TCP proxy standing in for a load balancer; the client resumes with
// Last-Event-ID through the proxy, which sends it to the other instance.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { mcpEventStore, memoryLog } from '@ssekit/core';
import { type ChildServer, ensureBuilt, startChildServer, startInstances } from '@ssekit/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot, type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

// The store has the SDK's EventStore shape: this line does not compile otherwise.
const typed: EventStore = mcpEventStore(memoryLog());
void typed;

/** A TCP proxy: new connections go to `target`; `cut()` drops every open one, as a failing network does. */
async function startProxy(initial: number) {
  let target = initial;
  const sockets = new Set<Socket>();
  const connections = new Map<number, number>();
  const server: Server = createServer((inbound) => {
    const port = target;
    connections.set(port, (connections.get(port) ?? 0) + 1);
    const outbound = createConnection({ host: '127.0.0.1', port });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    /** How many connections went to each port. */
    connections,
    route(port: number) {
      target = port;
    },
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const portOf = (server: ChildServer) => Number(new URL(server.url).port);

/** Calls the `count` tool through `url`, cutting the connection after `cutAfter` progress notifications. */
async function countWithCut(
  proxy: Awaited<ReturnType<typeof startProxy>>,
  cutAfter: number,
  then: () => void,
) {
  const client = new Client({ name: 'test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(proxy.url), {
    reconnectionOptions: {
      initialReconnectionDelay: 50,
      maxReconnectionDelay: 200,
      reconnectionDelayGrowFactor: 1,
      maxRetries: 20,
    },
  });
  await client.connect(transport);
  const progress: number[] = [];
  try {
    const result = await client.callTool({ name: 'count', arguments: { n: 10 } }, undefined, {
      timeout: 20_000,
      onprogress: ({ progress: value }) => {
        progress.push(value);
        if (progress.length === cutAfter) {
          then();
          proxy.cut();
        }
      },
    });
    return { progress, result };
  } finally {
    await client.close();
  }
}

describe('mcpEventStore with the MCP SDK, on memoryLog (one instance)', () => {
  let server: ChildServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    ensureBuilt(['core', 'redis']);
    server = await startChildServer(process.execPath, ['test/fixtures/mcp-instance.mjs'], {
      cwd: packageRoot,
      env: { LOG: 'memory', STEP_MS: '60' },
    });
    proxy = await startProxy(portOf(server));
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.shutdown();
  });

  it('a client whose connection drops mid-response resumes and gets every notification once, then the result', async () => {
    const { progress, result } = await countWithCut(proxy, 3, () => {});
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^counted to 10 by \d+$/) }]);
  });
});

describeRedis('mcpEventStore with the MCP SDK, on Redis (two instances, separate processes)', () => {
  let redis: RedisServer;
  let a: ChildServer;
  let b: ChildServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    ensureBuilt(['core', 'redis']);
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, PREFIX: `test:mcp:${process.pid}:`, STEP_MS: '60' };
    [a, b] = (await startInstances(2, packageRoot, env, 'test/fixtures/mcp-instance.mjs')) as [
      ChildServer,
      ChildServer,
    ];
    proxy = await startProxy(portOf(a));
  }, 60_000);
  afterEach(() => proxy.route(portOf(a)));
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await redis?.stop();
  });

  it('the resume lands on the second instance, which replays from Redis and follows the request on the first to its result', async () => {
    const { progress, result } = await countWithCut(proxy, 3, () => proxy.route(portOf(b)));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The tool ran on A (its pid is in the answer); B only served the resume.
    const [text] = result.content as [{ text: string }];
    const ranOn = /by (\d+)$/.exec(text.text)?.[1];
    expect(a.output()).toContain(`PID ${ranOn}\n`);
    expect(proxy.connections.get(portOf(b))).toBeGreaterThan(0);
  });
});
