// A client's memory over one long stream: a node:http server sends ~100-byte events as fast as the
// client takes them, and the client, in a child process started with --expose-gc, samples live heap
// + arrayBuffers after a forced GC every `every` events (src/client-memory-reader.mjs). Growth is the
// median of the last three samples minus that of the first three: one sample may catch a network
// chunk in flight, a trend cannot hide. Run alone, prints a markdown table.
//
//   node packages/bench/src/client-memory.mjs [--events 1000000] [--every 100000] [--clients ssekit,eventsource]
//
// packages/client/test/memory.test.ts holds @ssekit/client to flat memory with the same measurement.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The clients compared, by the name `client-memory-reader.mjs` takes. */
export const CLIENT_LABELS = {
  ssekit: '`@ssekit/client` `connect`, `for await`',
  eventsource: '`eventsource` 4.1.1, `onmessage`',
};

/** Events per write: big writes keep the server far ahead of the client, so the client is the bottleneck. */
const BATCH = 1000;
const EVENT =
  'id: 1\ndata: {"n":1,"text":"a hundred bytes of event data, give or take, like the benchmarks send"}\n\n';

/** Serves one endless-enough stream per request: `events` plus some slack, in batches. */
function startServer(events) {
  const block = Buffer.from(EVENT.repeat(BATCH));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const pump = () => {
      while (sent < events + BATCH * 10 && !res.destroyed) {
        sent += BATCH;
        if (!res.write(block)) return void res.once('drain', pump);
      }
    };
    pump();
    res.on('close', () => res.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const median3 = (values) => [...values].sort((a, b) => a - b)[1];

/**
 * Reads `events` events with `client` (a key of `CLIENT_LABELS`) in a child process. Resolves to the
 * samples (bytes), the growth (bytes) and the events per second.
 */
export async function measureClientMemory(client, { events = 1_000_000, every = 100_000 } = {}) {
  if (events / every < 6) throw new Error('events / every must give at least 6 samples');
  const server = await startServer(events);
  try {
    const output = await new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--expose-gc',
          fileURLToPath(new URL('client-memory-reader.mjs', import.meta.url)),
          client,
          `http://127.0.0.1:${server.address().port}/`,
          String(events),
          String(every),
        ],
        { timeout: 300_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const { samples, seconds } = JSON.parse(output);
    const growth = median3(samples.slice(-3)) - median3(samples.slice(0, 3));
    return { samples, growth, eventsPerSec: events / seconds };
  } finally {
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** Measures every client in turn; resolves to a markdown table. */
export async function clientMemoryTable(options = {}, clients = Object.keys(CLIENT_LABELS)) {
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);
  const every = (options.every ?? 100_000).toLocaleString('en-US');
  const rows = [
    `| client | live heap + arrayBuffers, every ${every} events (MiB) | growth | events/s |`,
    '| --- | --- | ---: | ---: |',
  ];
  for (const client of clients) {
    const { samples, growth, eventsPerSec } = await measureClientMemory(client, options);
    rows.push(
      `| ${CLIENT_LABELS[client]} | ${samples.map(mib).join(', ')} | ${(growth / 1024).toFixed(0)} KiB | ${Math.round(eventsPerSec).toLocaleString('en-US')} |`,
    );
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = {};
  let clients;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--events') options.events = Number(value);
    else if (flag === '--every') options.every = Number(value);
    else if (flag === '--clients') clients = value.split(',');
    else throw new Error(`unknown flag ${flag}`);
  }
  console.log(await clientMemoryTable(options, clients));
}
