// Starting a scenario server process (server.mjs) and talking to it over its control port: what
// every benchmark that measures a server in its own process shares.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = resolve(here, '..');

/** Suffix of a scenario run from the `--baseline` checkout. */
export const BASELINE = '@baseline';

function call(port, method, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts scenario `name` in its own process and resolves once it listens. `opts`: `heartbeatMs`,
 * and optionally `cpuProf` (a scenario name to profile), `baseline` (the other checkout, for
 * `name@baseline`), `env` (added to the process's environment).
 */
export async function startServer(name, opts) {
  const args = ['--expose-gc'];
  if (opts.cpuProf === name) {
    const dir = join(benchRoot, 'profiles');
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', dir);
  }
  // A baseline twin is the other checkout's own server, loading that checkout's built packages.
  const server = name.endsWith(BASELINE)
    ? join(opts.baseline, 'packages/bench/src/server.mjs')
    : join(here, 'server.mjs');
  args.push(server, name.replace(BASELINE, ''), String(opts.heartbeatMs));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  const ports = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1) {
        child.stdout.off('data', onData);
        resolve(JSON.parse(out.slice(0, nl)));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code}) before listening`)));
  });
  child.stdout.resume();
  const control = (method, path) => call(ports.controlPort, method, path);
  return {
    ...ports,
    control,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await control('POST', '/exit').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` every 50 ms until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor(check, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return true;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

/** Waits until the server has `n` streams registered. */
export async function waitSubscribers(server, n, timeoutMs) {
  let last;
  await waitFor(
    async () => {
      last = await server.control('GET', '/stats');
      return last.subscribers >= n;
    },
    timeoutMs,
    () => `${n} subscribers (server has ${JSON.stringify(last)})`,
  );
}

/** Waits until the server has neither sockets nor subscribers; returns false if they linger. */
export async function waitReleased(server, timeoutMs) {
  try {
    await waitFor(
      async () => {
        const s = await server.control('GET', '/stats');
        return s.sockets === 0 && s.subscribers === 0;
      },
      timeoutMs,
      () => 'connections to be released',
    );
    return true;
  } catch {
    return false;
  }
}

/** CPU milliseconds (user + system) between two `process.cpuUsage()` readings. */
export const cpuMs = (a, b) => (b.user - a.user + (b.system - a.system)) / 1000;
