// Reconnect storm (issue 16): N clients reconnect at once, each with the same Last-Event-ID, to one
// instance whose channel holds a history; each has missed EVENTS events of 100 B. Measured for a
// history in memory and on Redis, with replay reads shared (the default) and unshared (every
// resumer reads its own pages, through core's internal switch), A then B in the same run:
//   - history reads the channel issued (calls to the store's `after`, one per page read);
//   - the server's peak heap and RSS over its baseline (sampled every 10 ms, after a forced GC), and
//     the CPU time it spent (user + system, which other load on the machine changes less than time);
//   - the time from the first connection attempt until every client has received the replay's
//     last event, and the median per-client time from its connection attempt to that event.
// The server is a child process (--expose-gc); the clients are raw node:net sockets in this process
// (see client.mjs), at most CONCURRENT connecting at a time so that the listen backlog does not
// drop connections (a dropped SYN is retried a second later, which would measure the kernel).
//
//   node packages/bench/src/storm.mjs [clients=10000] [events=100] [stores=memory,redis]
// Needs the built packages (`pnpm build`). The Redis rows run where `redis-server` is installed
// (Debian package `redis-server`): a server is started here on a free port and stopped after.
// Prints the markdown table on stdout, progress on stderr. Bounded: each trial times out at 120 s.
import { fork, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EventCounter } from './event-counter.mjs';
import { MARKER, payloadOf } from './payload.mjs';

const CONCURRENT = 500;
const TRIAL_TIMEOUT_MS = 120_000;
const EVENT_BYTES = 100;
/** The load client's sockets, destroyed after each trial. */
const openSockets = new Set();

if (process.argv[2] === '--server') await server();
else
  await main(
    Number(process.argv[2] ?? 10_000),
    Number(process.argv[3] ?? 100),
    (process.argv[4] ?? 'memory,redis').split(','),
  );

// ---------------------------------------------------------------------------------------------
// The server: one channel with a history of EVENTS + 1 events; /events streams join it.

async function server() {
  const { createChannel, memoryHistory, nodeStreamRequest, openSSEStream } = await import('@ssekit/core');
  const { UNSHARED_REPLAYS } = await import('@ssekit/core/internal');
  const { STORE, SHARED, REDIS_URL, KEY, EVENTS } = process.env;
  let reads = 0;
  let history;
  if (STORE === 'redis') {
    const { redisChannel } = await import('@ssekit/redis');
    const shared = redisChannel({ redis: REDIS_URL, key: KEY, maxLen: 100_000, commandTimeout: 60_000 });
    await shared.ready();
    // The same object with its reads counted: every other member is the channel's own.
    history = new Proxy(shared, {
      get(target, name) {
        const value = Reflect.get(target, name, target);
        if (name === 'after') {
          return (...args) => {
            reads++;
            return target.after(...args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  } else {
    const store = memoryHistory({ size: 100_000 });
    history = {
      ...store,
      after(...args) {
        reads++;
        return store.after(...args);
      },
    };
  }
  const channel = createChannel({ history, [UNSHARED_REPLAYS]: SHARED !== '1' });
  const ids = [];
  for (let i = 0; i <= Number(EVENTS); i++) ids.push(await channel.send(payloadOf(EVENT_BYTES)));
  const http = await import('node:http');
  const httpServer = http.createServer((req, res) => {
    channel.add(openSSEStream(nodeStreamRequest(req, res), { heartbeat: false }));
  });
  httpServer.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await new Promise((resolve) => httpServer.once('listening', resolve));
  globalThis.gc();
  const base = process.memoryUsage();
  const cpuBase = process.cpuUsage();
  const peak = { heapUsed: base.heapUsed, rss: base.rss };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    peak.rss = Math.max(peak.rss, now.rss);
  }, 10);
  process.on('message', async (message) => {
    if (message === 'stats') {
      const { replaysServed, streams } = channel.stats;
      const cpu = process.cpuUsage(cpuBase);
      process.send({
        cpuMs: (cpu.user + cpu.system) / 1000,
        reads,
        replaysServed,
        streams,
        heapPeak: peak.heapUsed - base.heapUsed,
        rssPeak: peak.rss - base.rss,
      });
    } else if (message === 'exit') {
      clearInterval(sampler);
      httpServer.closeAllConnections();
      await channel.close();
      process.exit(0);
    }
  });
  process.send({ port: httpServer.address().port, resumeFrom: ids[0] });
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

async function main(n, events, asked) {
  const redis = asked.includes('redis') ? await startRedis() : undefined;
  const stores = asked.filter((store) => store !== 'redis' || redis);
  const rows = [];
  try {
    for (const store of stores) {
      for (const shared of [false, true]) {
        const row = await trial({ store, shared, n, events, redisUrl: redis?.url });
        console.error(JSON.stringify(row));
        rows.push(row);
      }
    }
  } finally {
    redis?.stop();
  }
  const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const lines = [
    '| history | page reads | store reads issued | server heap peak (MiB) | server RSS peak (MiB) | server CPU (s) | all resumed (s) | p50 per client (ms) | resumed |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${r.shared ? 'shared' : 'unshared'} | ${r.reads.toLocaleString('en-US')} | ${mib(r.heapPeak)} | ${mib(r.rssPeak)} | ${(r.cpuMs / 1000).toFixed(2)} | ${(r.allMs / 1000).toFixed(2)} | ${r.p50Ms.toFixed(0)} | ${r.resumed}/${n} |`,
    ),
  ];
  console.log(
    `${n.toLocaleString('en-US')} clients, each missed ${events} events of ${EVENT_BYTES} B; Node ${process.versions.node}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )}${asked.includes('redis') && !redis ? '; Redis rows not run: `redis-server` is not installed' : ''}.\n\n${lines.join('\n')}`,
  );
}

/** One storm against a fresh server; resolves to its figures. */
async function trial({ store, shared, n, events, redisUrl }) {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      STORE: store,
      SHARED: shared ? '1' : '0',
      REDIS_URL: redisUrl ?? '',
      KEY: `ssekit:bench:storm:${process.pid}:${store}:${shared}`,
      EVENTS: String(events),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  try {
    const { port, resumeFrom } = await next();
    const storm = await resumeAll(port, resumeFrom, n, events);
    child.send('stats');
    const stats = await next();
    return { store, shared, ...stats, ...storm };
  } finally {
    for (const socket of openSockets) socket.destroy();
    openSockets.clear();
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/**
 * Opens `n` connections that resume from `resumeFrom`, at most CONCURRENT still connecting, and
 * resolves once each has `events` events (or at the timeout, with those still short not counted).
 */
function resumeAll(port, resumeFrom, n, events) {
  const request = Buffer.from(
    `GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: ${resumeFrom}\r\n\r\n`,
  );
  const began = performance.now();
  const perClient = [];
  let started = 0;
  let connecting = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      perClient.sort((a, b) => a - b);
      resolve({
        resumed: perClient.length,
        allMs: performance.now() - began,
        p50Ms: perClient[Math.floor(perClient.length / 2)] ?? Number.NaN,
      });
    };
    const timer = setTimeout(finish, TRIAL_TIMEOUT_MS);
    const openMore = () => {
      while (started < n && connecting < CONCURRENT) openOne();
    };
    const openOne = () => {
      started++;
      connecting++;
      const at = performance.now();
      const counter = new EventCounter(MARKER);
      const socket = net.connect({ host: '127.0.0.1', port });
      openSockets.add(socket);
      let done = false;
      socket.once('connect', () => {
        connecting--;
        socket.write(request);
        openMore();
      });
      socket.on('data', (chunk) => {
        counter.push(chunk);
        if (!done && counter.events >= events) {
          done = true;
          perClient.push(performance.now() - at);
          if (perClient.length === n) finish();
        }
      });
      socket.on('error', (error) => {
        console.error(`connection ${started}: ${error.message}`);
      });
    };
    openMore();
  });
}

/** Starts `redis-server` on a free port, or resolves to `undefined` when it is not installed. */
async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  let missing = false;
  child.once('error', () => {
    missing = true;
  });
  for (let tries = 0; tries < 100 && !missing && child.exitCode === null; tries++) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  return undefined;
}

/** Whether something on `port` answers PING. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith('+PONG'));
    });
  });
}
