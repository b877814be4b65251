// Resumable streams (issue 15) on one instance: N concurrent generations, each a fake model writing
// 20 tokens/s, each followed by one reader over HTTP. Reports the server's memory, the latency the
// library adds from the producer's `send` to the reader's receipt (p50/p99), the resume latency
// (a reader that reloads mid-answer, to its first missed token), and the cancel latency (the
// cancel request to the reader's terminal event, and to the producer's aborted signal). The server
// runs in a child process with --expose-gc; the readers run here. Bounded: about TOKENS / 20 s + 10 s.
//
//   node packages/bench/src/resumable.mjs [generations=1000] [tokens=200]
// Needs the built packages (`pnpm --filter @ssekit/core build`).
//
// Across instances: `REDIS_URL=redis://127.0.0.1:6379 node packages/bench/src/resumable.mjs ...`
// (after `pnpm --filter @ssekit/redis build`) runs two server processes sharing Redis through
// `redisResumableLog`: every generation starts (and its first reader reads) on A; the reloads
// resume, and the cancels are sent, on B.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const GENERATIONS = Number(process.argv[2] ?? 1000);
const TOKENS = Number(process.argv[3] ?? 200);
const TOKEN_MS = 50; // 20 tokens/s
const RESUMED = Math.ceil(GENERATIONS / 10);
const CANCELLED = Math.ceil(GENERATIONS / 10);
const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--server') await server();
else await main();

async function server() {
  const { createResumable, nodeAnswer } = await import('@ssekit/core');
  const redis = process.env.REDIS_URL;
  const log = redis
    ? (await import('@ssekit/redis')).redisResumableLog({ redis, prefix: process.env.PREFIX })
    : undefined;
  const resumable = createResumable(log ? { log } : {});
  const tokens = Number(process.argv[3]);
  // When this instance received each cancel, and when each producer it runs was aborted (epoch ms):
  // the bench pairs them up, whichever instances they happened on.
  const cancelAt = {};
  const abortAt = {};
  const producer = ({ streamId, send, signal }) =>
    (async () => {
      signal.addEventListener('abort', () => {
        abortAt[streamId] = now();
      });
      for (let i = 0; i < tokens && !signal.aborted; i++) {
        // A token and the moment it was written (epoch ms, µs precision): the reader's receipt minus it is the latency.
        await send(`${i} ${now().toFixed(3)}`);
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', stop);
            resolve();
          }, TOKEN_MS);
          const stop = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener('abort', stop, { once: true });
        });
      }
    })();
  const httpServer = http.createServer((req, res) => {
    const [path, query] = (req.url ?? '/').split('?');
    const [, chat, id, action] = path.split('/');
    if (path === '/stats') {
      globalThis.gc();
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      return res.end(
        JSON.stringify({ rss, heapUsed, arrayBuffers, cancelAt, abortAt, cpuMs: (user + system) / 1000 }),
      );
    }
    let route;
    if (chat === 'chat' && id === undefined) route = { kind: 'start', streamId: query.slice(3), producer };
    else if (action === 'stream') route = { kind: 'resume', streamId: id };
    else if (action === 'cancel') {
      cancelAt[id] = now();
      route = { kind: 'cancel', streamId: id };
    }
    nodeAnswer(resumable, route, req).then(
      (write) => write(res),
      (error) => res.writeHead(500).end(String(error)),
    );
  });
  // The bench's readers connect in bursts: a long accept queue keeps them from timing out.
  httpServer.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
    process.send({ port: httpServer.address().port }),
  );
  // Ends with the bench, even if the bench itself fails.
  process.on('disconnect', () => process.exit(0));
}

async function main() {
  const { parseEventStream } = await import('@ssekit/core');
  const start = async () => {
    const child = fork(fileURLToPath(import.meta.url), ['--server', String(TOKENS)], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, PREFIX: `bench:${process.pid}:` },
    });
    const { port } = await new Promise((resolve) => child.once('message', resolve));
    return { child, url: `http://127.0.0.1:${port}` };
  };
  const instances = process.env.REDIS_URL ? await Promise.all([start(), start()]) : [await start()];
  // Generations start on A; reloads and cancels go to B (A itself when there is one instance).
  const base = instances[0].url;
  const other = (instances[1] ?? instances[0]).url;
  const stats = async () => (await fetch(`${base}/stats`)).json();
  const idle = await stats();

  const latencies = [];
  /** Live tokens read on B after a reload there (two instances only): across instances. */
  const otherLatencies = [];
  const resumeLatencies = [];
  const cancelLatencies = [];
  let duplicatesOrLosses = 0;

  /** Reads one response; returns the tokens seen, the last id, and the terminal event if any. */
  async function read(response, controller, onToken, into = latencies, since = 0) {
    const seen = [];
    let lastEventId;
    let end;
    try {
      for await (const event of parseEventStream(response.body)) {
        if (event.type === 'ssekit-end') {
          end = { data: event.data, at: now() };
          break;
        }
        const [index, sentAt] = event.data.split(' ');
        // Tokens written before `since` (a resume's backlog) waited for the reader, not for the library.
        if (Number(sentAt) >= since) into.push(now() - Number(sentAt));
        seen.push(Number(index));
        lastEventId = event.lastEventId;
        onToken?.(seen.length);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
    return { seen, lastEventId, end };
  }

  function generation(n) {
    const controller = new AbortController();
    controllers[n] = controller;
    const opened = fetch(`${base}/chat?id=g${n}`, { method: 'POST', signal: controller.signal });
    return { opened, promise: opened.then((response) => follow(n, response)) };
  }
  const controllers = [];

  async function follow(n, response) {
    const id = `g${n}`;
    const controller = controllers[n];
    let tokens = [];
    if (n < RESUMED) {
      // Reload mid-answer: leave after 40 % of the tokens, then resume from the last id.
      const first = await read(response, controller, (count) => {
        if (count === Math.floor(TOKENS * 0.4)) controller.abort();
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // a reload takes a moment
      const started = now();
      const again = new AbortController();
      const resumed = await fetch(`${other}/chat/${id}/stream`, {
        headers: { 'last-event-id': first.lastEventId },
        signal: again.signal,
      });
      let firstAt;
      const rest = await read(
        resumed,
        again,
        (count) => {
          if (count === 1) firstAt = now();
        },
        other === base ? latencies : otherLatencies,
        other === base ? 0 : started,
      );
      resumeLatencies.push(firstAt - started);
      tokens = [...first.seen, ...rest.seen];
      if (tokens.length !== TOKENS || tokens.some((token, i) => token !== i)) duplicatesOrLosses++;
    } else if (n < RESUMED + CANCELLED) {
      let cancelled;
      const result = await read(response, controller, (count) => {
        if (count === Math.floor(TOKENS * 0.3)) {
          cancelled = now();
          fetch(`${other}/chat/${id}/cancel`, { method: 'POST' }).then((r) => r.text());
        }
      });
      cancelLatencies.push(result.end.at - cancelled);
    } else {
      const result = await read(response, controller);
      if (result.seen.length !== TOKENS) duplicatesOrLosses++;
    }
  }

  const started = now();
  // Started in bursts of 50, each once the previous burst's responses have begun: 1 000 connects
  // at once on a loaded 2-core machine time out in the client, which is not what is measured.
  const runs = [];
  for (let n = 0; n < GENERATIONS; n += 50) {
    const burst = Array.from({ length: Math.min(50, GENERATIONS - n) }, (_, i) => generation(n + i));
    runs.push(...burst.map((run) => run.promise));
    await Promise.all(burst.map((run) => run.opened));
  }
  const all = Promise.all(runs);
  // Memory with every generation running: half-way through.
  await new Promise((resolve) => setTimeout(resolve, (TOKENS * TOKEN_MS) / 2));
  const busy = await stats();
  await all;
  const elapsed = now() - started;
  const done = await stats();
  const cancels = Object.assign(
    {},
    ...(await Promise.all(instances.map(async ({ url }) => (await fetch(`${url}/stats`)).json()))).map(
      (s) => s.cancelAt,
    ),
  );
  const abortDelays = Object.entries(cancels).map(([id, at]) => done.abortAt[id] - at);
  for (const { child } of instances) child.kill();

  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
  };
  const ms = (value) => `${value.toFixed(2)} ms`;
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(
    `| ${GENERATIONS} generations × ${TOKENS} tokens at 20 tokens/s, ${instances.length === 1 ? 'one instance' : 'two instances sharing Redis (reloads and cancels on the other)'} (${(elapsed / 1000).toFixed(1)} s) | |`,
  );
  console.log('|---|---|');
  console.log(
    `| server heap, idle → all running (after GC) | ${mib(idle.heapUsed)} → ${mib(busy.heapUsed)} (+${((busy.heapUsed - idle.heapUsed) / GENERATIONS / 1024).toFixed(1)} KiB per generation) |`,
  );
  console.log(`| server RSS, all running | ${mib(busy.rss)} |`);
  console.log(`| server heap after all finished (logs kept for their TTL) | ${mib(done.heapUsed)} |`);
  console.log(
    `| send → reader receipt, p50 / p99 (${latencies.length} tokens) | ${ms(pct(latencies, 50))} / ${ms(pct(latencies, 99))} |`,
  );
  if (otherLatencies.length > 0) {
    console.log(
      `| send on A → receipt by a reader on B, p50 / p99 (${otherLatencies.length} tokens) | ${ms(pct(otherLatencies, 50))} / ${ms(pct(otherLatencies, 99))} |`,
    );
  }
  console.log(
    `| resume (request → first missed token), p50 / p99 (${resumeLatencies.length} reloads) | ${ms(pct(resumeLatencies, 50))} / ${ms(pct(resumeLatencies, 99))} |`,
  );
  console.log(
    `| cancel request → reader's terminal event, p50 / p99 (${cancelLatencies.length}) | ${ms(pct(cancelLatencies, 50))} / ${ms(pct(cancelLatencies, 99))} |`,
  );
  console.log(
    `| cancel request received → producer's signal aborted, p50 / p99 | ${ms(pct(abortDelays, 50))} / ${ms(pct(abortDelays, 99))} |`,
  );
  const cpuPerToken = ((done.cpuMs - idle.cpuMs) * 1000) / latencies.length;
  console.log(
    `| server CPU per token delivered (independent of the machine's load) | ${cpuPerToken.toFixed(1)} µs |`,
  );
  console.log(`| readers with a token lost or repeated | ${duplicatesOrLosses} |`);
}
