#!/usr/bin/env node
// Cross-instance latency of a Redis-backed channel: N server instances (separate processes, built
// packages), C clients on each, events sent round-robin through the instances; for every (event,
// client) pair, the time from just before the sending POST to the client parsing the event.
// Clients and the sender live in this process, so one clock measures both ends.
//
//   pnpm --filter @ssekit/core --filter @ssekit/redis build
//   node packages/redis/bench/latency.mjs [--instances 3] [--clients 50] [--events 200] [--interval 5]
//
// Prints a markdown table. Needs `redis-server` (Debian package `redis-server`) on PATH.
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseEventStream } from '@ssekit/core';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    clients: { type: 'string', default: '50' },
    events: { type: 'string', default: '200' },
    interval: { type: 'string', default: '5' },
  },
});
const instanceCount = Number(values.instances);
const clientsPerInstance = Number(values.clients);
const eventCount = Number(values.events);
const intervalMs = Number(values.interval);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const children = new Set();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPong(port) {
  for (let attempt = 0; attempt < 250; attempt++) {
    const ok = await new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on ${port} did not answer PING`);
}

function spawnTracked(command, args, options) {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function startInstance(env) {
  const child = spawnTracked(process.execPath, ['test/fixtures/instance.mjs'], {
    cwd: packageRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env, HEARTBEAT_MS: '15000' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`instance exited early (code ${code})`)));
    child.stdout.setEncoding('utf8').on('data', (text) => {
      output += text;
      const port = /^LISTENING (\d+)$/m.exec(output)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, child });
    });
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

let redis;
try {
  const port = await freePort();
  redis = spawnTracked(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  redis.once('error', (error) => {
    console.error(`Cannot start redis-server (Debian package \`redis-server\`): ${error.message}`);
    process.exit(1);
  });
  await waitForPong(port);
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, CHANNEL_KEY: 'ssekit:bench' };
  const instances = await Promise.all(Array.from({ length: instanceCount }, () => startInstance(env)));

  const sentAt = new Map();
  const latencies = [];
  let received = 0;
  const expected = eventCount * instanceCount * clientsPerInstance;
  let allReceived;
  const done = new Promise((resolve) => {
    allReceived = resolve;
  });
  const aborts = [];
  const readers = [];
  for (const instance of instances) {
    for (let i = 0; i < clientsPerInstance; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      const response = await fetch(`${instance.url}/events`, { signal: abort.signal });
      readers.push(
        (async () => {
          try {
            for await (const event of parseEventStream(response.body)) {
              const start = sentAt.get(event.data);
              if (start === undefined) continue;
              latencies.push(performance.now() - start);
              if (++received === expected) allReceived();
            }
          } catch {
            // aborted at the end
          }
        })(),
      );
    }
  }

  const started = performance.now();
  for (let n = 0; n < eventCount; n++) {
    const data = `bench-${n}`;
    sentAt.set(data, performance.now());
    const instance = instances[n % instanceCount];
    const response = await fetch(`${instance.url}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data }),
    });
    if (response.status !== 200) throw new Error(`send failed: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const timeout = setTimeout(allReceived, 10_000);
  await done;
  clearTimeout(timeout);
  const elapsed = performance.now() - started;

  for (const abort of aborts) abort.abort();
  await Promise.all(readers);
  await Promise.all(
    instances.map(
      ({ child }) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.stdin.end();
        }),
    ),
  );

  latencies.sort((a, b) => a - b);
  const ms = (value) => (value === undefined ? 'n/a' : value.toFixed(2));
  console.log(
    '| instances | clients (total) | events sent | deliveries | p50 ms | p99 ms | max ms | run s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(
    `| ${instanceCount} | ${instanceCount * clientsPerInstance} | ${eventCount} | ${received}/${expected} | ` +
      `${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 99))} | ${ms(latencies.at(-1))} | ${(elapsed / 1000).toFixed(1)} |`,
  );
  if (received !== expected) process.exitCode = 1;
} finally {
  redis?.kill('SIGKILL');
}
