// Starts real `nats-server -js` processes for the tests: bound to 127.0.0.1 on a free port, JetStream
// storing in a temporary directory, killed afterwards, restartable on the same port and store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary, serverAvailable, startServerProcess } from '@ssekit/test-kit';

/** This package's folder, where instance processes run (they load the built packages). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The `nats-server` binary, if installed (Debian puts it in /usr/sbin, often not on PATH). */
const natsServerBinary = findBinary('nats-server');

/** Whether the NATS tests can run (see `serverAvailable`). */
export function natsAvailable(): boolean {
  return serverAvailable(natsServerBinary, {
    name: 'nats-server',
    debianPackage: 'nats-server',
    tests: 'the NATS tests of @ssekit/nats',
  });
}

const stores = new Set<string>();
// A run that ends abruptly must not leave stores behind (test-kit kills the servers).
process.once('exit', () => {
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

/** Starts `nats-server -js` on a free port with a fresh store and resolves once it greets with INFO. */
export async function startNatsServer(): Promise<NatsServer> {
  const store = mkdtempSync(join(tmpdir(), 'ssekit-nats-'));
  stores.add(store);
  const server = await startServerProcess({
    name: 'nats-server',
    binary: natsServerBinary,
    args: (port) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store],
    greeting: { reply: 'INFO ' },
  });
  return {
    ...server,
    url: `nats://127.0.0.1:${server.port}`,
    async dispose() {
      await server.stop();
      rmSync(store, { recursive: true, force: true });
      stores.delete(store);
    },
  };
}
