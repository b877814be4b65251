// Real database servers (redis-server, nats-server) as child processes of a test run: found on the
// PATH, bound to 127.0.0.1 on a free port, killed afterwards, restartable on the same port. Each
// engine's tests keep only their own server's arguments and greeting.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

/** The executable `name` on the PATH (or in /usr/sbin, where Debian puts some servers), if any. */
export function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * Whether the tests needing `binary` can run. Without it they fail in CI (which installs the Debian
 * package `debianPackage`, see .ci/run) and are skipped elsewhere, with a notice of what to install.
 */
export function serverAvailable(
  binary: string | undefined,
  { name, debianPackage, tests }: { name: string; debianPackage: string; tests: string },
): boolean {
  if (binary) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `${name} is not installed; CI installs the Debian package \`${debianPackage}\` (see .ci/run).`,
    );
  }
  console.warn(`Skipping ${tests}: ${name} is not installed (Debian package \`${debianPackage}\`).`);
  return false;
}

/** What a server says first on a new connection: sent `send` (if any), its first line starts with `reply`. */
export interface Greeting {
  send?: string;
  reply: string;
}

/** Whether the server on `port` greets a new connection as `greeting` says, within half a second. */
function greets(port: number, greeting: Greeting): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let text = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\r\n')) finish(text.startsWith(greeting.reply));
    });
    if (greeting.send !== undefined) socket.once('connect', () => socket.write(greeting.send as string));
  });
}

const running = new Set<ChildProcess>();
// A run that ends abruptly must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A server process on a fixed port. */
export interface ServerProcess {
  readonly port: number;
  /** Kills the server (SIGKILL: as abrupt as a crash) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (and with the same arguments), and waits until it greets. */
  start(): Promise<void>;
}

/**
 * Starts `binary args(port)` on a free port and resolves once it answers `greeting` (rejects, with
 * the server's output, if it does not within `timeoutMs`).
 */
export async function startServerProcess({
  name,
  binary,
  args,
  greeting,
  timeoutMs = 10_000,
}: {
  /** Shown in errors, e.g. `redis-server`. */
  name: string;
  binary: string | undefined;
  args: (port: number) => string[];
  greeting: Greeting;
  timeoutMs?: number;
}): Promise<ServerProcess> {
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
    if (!binary) throw new Error(`${name} is not installed`);
    const started = spawn(binary, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!(await greets(port, greeting))) {
      if (Date.now() > deadline || started.exitCode !== null) {
        await stop();
        throw new Error(
          `${name} on port ${port} did not answer in ${timeoutMs} ms\n--- ${name} output ---\n${output}`,
        );
      }
      await sleep(20);
    }
  }

  await start();
  return { port, stop, start };
}
