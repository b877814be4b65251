// The servers the multi-instance benchmark shares its channel through, each started here on a free
// port at 127.0.0.1 and stopped after: `redis-server` (no persistence) and `nats-server -js`
// (JetStream in a temporary directory). Both come from Debian (`redis-server`, `nats-server`).
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Linux's clock ticks per second, the unit of CPU times in /proc/<pid>/stat (USER_HZ). */
const TICKS_PER_SECOND = 100;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` answers `send` (if given; or just the connection) with bytes starting with `expect`. */
async function waitAnswer(port, send, expect, what) {
  for (let attempt = 0; attempt < 250; attempt++) {
    const ok = await new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => send && socket.write(send));
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith(expect));
      });
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`${what} on port ${port} did not answer`);
}

/**
 * CPU milliseconds (user + system) process `pid` has used so far, from /proc (engines are not Node
 * processes, so they cannot be asked). `NaN` where /proc is missing.
 */
export function processCpuMs(pid) {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the
    // 14th field of the line, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** `name` on PATH or in /usr/sbin (where Debian puts nats-server, often not on a user's PATH). */
function findBinary(name) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return name;
}

function launch(command, args, what) {
  const child = spawn(findBinary(command), args, { stdio: 'ignore' });
  const failed = new Promise((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`cannot start ${command} (Debian package \`${what}\`): ${error.message}`)),
    ),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { child, failed, stop };
}

/** A redis-server on a free port: `{ name, url, pid, stop() }`. */
export async function startRedis() {
  const port = await freePort();
  const { child, failed, stop } = launch(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'redis-server',
  );
  await Promise.race([failed, waitAnswer(port, 'PING\r\n', '+PONG', 'redis-server')]);
  return { name: 'Redis', url: `redis://127.0.0.1:${port}`, pid: child.pid, stop };
}

/** A nats-server with JetStream on a free port, storing in a temporary directory: `{ name, url, pid, stop() }`. */
export async function startNats() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-bench-nats-'));
  const { child, failed, stop } = launch(
    'nats-server',
    ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
    'nats-server',
  );
  // A NATS server greets every connection with its INFO line.
  await Promise.race([failed, waitAnswer(port, undefined, 'INFO', 'nats-server')]);
  return {
    name: 'NATS JetStream',
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
