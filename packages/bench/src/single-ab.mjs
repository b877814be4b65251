// CPU per event of one fast Hono stream (@hono/node-server), two checkouts of this repo side by side
// in ONE process: the same event loop, JIT and machine load for both, so that a few per cent show
// through a loaded machine that makes `pnpm bench --baseline` repetitions spread by ±30 %.
//
//   node packages/bench/src/single-ab.mjs <checkout A> <checkout B> [blocks=200] [events=20000]
//
// Each checkout must be built (`pnpm build`); its @ssekit/hono serves a route on its own port, and
// an in-process client reads the bytes. Blocks of `events` awaited sends alternate A, B (B, A on
// odd blocks); each block's CPU time (process.cpuUsage, client included) is divided by its events.
// The side loaded second runs a few per cent cheaper whatever its code (about 5 % on Node 20), so
// the comparison runs twice, in two processes, A then B and B then A; the geometric mean of the two
// medians of B ÷ A cancels that. Prints both runs' medians, how many of their block pairs B was
// cheaper in (about half when the checkouts do not differ), and the combined ratio.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const child = process.argv[2] === '--child';
const [dirA, dirB, blocksArg = '200', eventsArg = '20000'] = process.argv.slice(child ? 3 : 2);
if (dirA === undefined || dirB === undefined) {
  console.error('usage: node packages/bench/src/single-ab.mjs <checkout A> <checkout B> [blocks] [events]');
  process.exit(2);
}
const blocks = Number(blocksArg);
const events = Number(eventsArg);
const payload = 'x'.repeat(100);
/** Bytes of one event on the wire without chunk framing: `data: ` + payload + blank line. */
const EVENT_BYTES = 6 + payload.length + 2;

/** Serves `dir`'s @ssekit/hono on a port of its own, opens one client, and returns a block runner. */
async function side(dir) {
  const { sse } = await import(resolve(dir, 'packages/hono/dist/index.js'));
  let stream;
  const opened = new Promise((done) => {
    const app = new Hono();
    app.get(
      '/events',
      sse(
        (s) => {
          stream = s;
          done();
        },
        { heartbeat: false },
      ),
    );
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => connect(server));
  });
  let received = 0;
  let waiter;
  function connect(server) {
    const socket = net.connect(server.address().port, '127.0.0.1', () =>
      socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (waiter !== undefined && received >= waiter.target) waiter.done();
    });
  }
  await opened;
  return async function block() {
    const target = received + events * EVENT_BYTES;
    const start = process.cpuUsage();
    for (let i = 0; i < events; i++) await stream.send(payload);
    if (received < target) await new Promise((done) => (waiter = { target, done }));
    waiter = undefined;
    const used = process.cpuUsage(start);
    return (used.user + used.system) / events;
  };
}

if (!child) {
  /** One process: the median of second ÷ first over the blocks, and how often second was cheaper. */
  const run = (first, second) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', first, second, blocksArg, eventsArg],
        {
          encoding: 'utf8',
        },
      ),
    );
  const ab = run(dirA, dirB);
  const ba = run(dirB, dirA);
  console.log(
    `B ÷ A with B loaded second: median ${ab.median.toFixed(3)}, B cheaper in ${ab.cheaper} of ${blocks} pairs`,
  );
  console.log(
    `A ÷ B with A loaded second: median ${ba.median.toFixed(3)}, A cheaper in ${ba.cheaper} of ${blocks} pairs`,
  );
  console.log(`B ÷ A, CPU per event, load order cancelled: ${Math.sqrt(ab.median / ba.median).toFixed(3)}`);
  process.exit(0);
}

const runA = await side(dirA);
const runB = await side(dirB);
// Warm-up: both paths compiled and optimized before anything counts.
for (let i = 0; i < 5; i++) {
  await runA();
  await runB();
}
const ratios = [];
for (let b = 0; b < blocks; b++) {
  let a;
  let bb;
  if (b % 2 === 0) {
    a = await runA();
    bb = await runB();
  } else {
    bb = await runB();
    a = await runA();
  }
  ratios.push(bb / a);
}
ratios.sort((x, y) => x - y);
const cheaper = ratios.filter((ratio) => ratio < 1).length;
console.log(JSON.stringify({ median: ratios[ratios.length >> 1], cheaper }));
process.exit(0);
