// Starts real `nats-server -js` processes for the tests: bound to 127.0.0.1 on a free port, JetStream
// storing in a temporary directory, killed afterwards, restartable on the same port and store.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@ssekit/test-kit';

function findOnPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** This package's folder, where instance processes run (they load the built packages). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The `nats-server` binary, if installed (Debian puts it in /usr/sbin, often not on PATH). */
const natsServerBinary = findOnPath('nats-server');

/**
 * Whether the NATS tests can run. Without `nats-server` they fail in CI (which installs it) and
 * are skipped elsewhere, with a notice saying what to install.
 */
export function natsAvailable(): boolean {
  if (natsServerBinary) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      'nats-server is not installed; CI installs the Debian package `nats-server` (see .ci/run).',
    );
  }
  console.warn(
    '[@ssekit/nats] Skipping the NATS tests: nats-server is not installed (Debian package `nats-server`).',
  );
  return false;
}

/** Resolves once the server on `port` greets a new connection with its INFO line; rejects after `timeoutMs`. */
async function waitForInfo(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      const finish = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => finish(false));
      socket.once('error', () => finish(false));
      socket.once('data', (chunk) => finish(chunk.toString().startsWith('INFO ')));
    });
    if (answered) return;
    if (Date.now() > deadline)
      throw new Error(`nats-server on port ${port} did not answer in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const running = new Set<ChildProcess>();
const stores = new Set<string>();
// A run that ends abruptly must not leave servers or their stores behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of stores) rmSync(dir, { recursive: true, force: true });
});

/** A `nats-server -js` child process. */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** Kills the server (SIGKILL: as abrupt as a crash) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store, and waits until it answers. */
  start(): Promise<void>;
  /** Kills it and removes its store. */
  dispose(): Promise<void>;
}

/** Starts `nats-server -js` on a free port with a fresh store and resolves once it answers. */
export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'ssekit-nats-'));
  stores.add(store);
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
    if (!natsServerBinary) throw new Error('nats-server is not installed');
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store];
    const started = spawn(natsServerBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    try {
      await waitForInfo(port, 10_000);
    } catch (error) {
      await stop();
      throw new Error(`${(error as Error).message}\n--- nats-server output ---\n${output}`);
    }
  }

  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(store, { recursive: true, force: true });
      stores.delete(store);
    },
  };
}
