// Starts real `redis-server` processes for the tests: no persistence, bound to 127.0.0.1 on a free
// port, stopped (and killed if need be) afterwards, restartable on the same port.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The `redis-server` binary, if installed; `$SSEKIT_REDIS_SERVER` names another (`valkey-server`) to
 * run every Redis test against it.
 */
export const redisServerBinary = findOnPath(process.env.SSEKIT_REDIS_SERVER ?? 'redis-server');

/** The command-line client that goes with it (`$SSEKIT_REDIS_CLI`, e.g. `valkey-cli`). */
export const redisCliBinary = process.env.SSEKIT_REDIS_CLI ?? 'redis-cli';

/**
 * Whether the Redis tests can run. Without `redis-server` they fail in CI (which installs it) and
 * are skipped elsewhere, with a notice saying what to install.
 */
export function redisAvailable(): boolean {
  if (redisServerBinary) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is not installed; CI installs the Debian package `redis-server` (see .ci/run).',
    );
  }
  console.warn(
    '[@ssekit/redis] Skipping the Redis tests: redis-server is not installed (Debian package `redis-server`).',
  );
  return false;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves once something on `port` answers PING with PONG; rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let reply = '';
      const finish = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => finish(false));
      socket.once('error', () => finish(false));
      socket.on('data', (chunk) => {
        reply += chunk.toString();
        if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
      });
      socket.once('connect', () => socket.write('PING\r\n'));
    });
    if (answered) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${port} did not answer PING in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const running = new Set<ChildProcess>();
// A run that ends abruptly must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

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
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  async function stop(): Promise<void> {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGKILL');
    await exited;
  }

  async function start(): Promise<void> {
    if (!redisServerBinary) throw new Error('redis-server is not installed');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const started = spawn(redisServerBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    started.stdout?.on('data', (chunk) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    started.stderr?.on('data', (chunk) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    try {
      await waitForPong(port, 5_000);
    } catch (error) {
      await stop();
      throw new Error(`${(error as Error).message}\n--- redis-server output ---\n${output}`);
    }
  }

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, start };
}
