// Starts real `redis-server` processes for the tests: no persistence, bound to 127.0.0.1 on a free
// port, killed afterwards, restartable on the same port.
import { fileURLToPath } from 'node:url';
import { findBinary, serverAvailable, startServerProcess } from '@ssekit/test-kit';

/** This package's folder, where instance processes run (they load the built packages). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The `redis-server` binary, if installed; `$SSEKIT_REDIS_SERVER` names another (`valkey-server`) to
 * run every Redis test against it.
 */
export const redisServerBinary = findBinary(process.env.SSEKIT_REDIS_SERVER ?? 'redis-server');

/** The command-line client that goes with it (`$SSEKIT_REDIS_CLI`, e.g. `valkey-cli`). */
export const redisCliBinary = process.env.SSEKIT_REDIS_CLI ?? 'redis-cli';

/** Whether the Redis tests can run (see `serverAvailable`). */
export function redisAvailable(): boolean {
  return serverAvailable(redisServerBinary, {
    name: 'redis-server',
    debianPackage: 'redis-server',
    tests: 'the Redis tests of @ssekit/redis',
  });
}

/** A `redis-server` child process. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops the server (SIGKILL: as abrupt as a crash) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (there is no persistence), and waits for PING. */
  start(): Promise<void>;
}

/** Starts `redis-server` on a free port and resolves once it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const server = await startServerProcess({
    name: 'redis-server',
    binary: redisServerBinary,
    args: (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    greeting: { send: 'PING\r\n', reply: '+PONG' },
  });
  return { ...server, url: `redis://127.0.0.1:${server.port}` };
}
