import { REDIS_KEY, redactedUrl, startDemo } from './server.js';

// `pnpm demo` runs this: start on PORT (default 3000), log connects and disconnects, drain on Ctrl-C.
// With REDIS_URL, the channel is shared through Redis with every other demo started with that URL.

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}.`);
  process.exit(1);
}

// An empty REDIS_URL (e.g. `REDIS_URL= pnpm demo`) means "not set".
const redis = process.env.REDIS_URL || undefined;

const time = () => new Date().toISOString().slice(11, 19);
const demo = await startDemo({ port, redis, log: (line) => console.log(`${time()} ${line}`) }).catch(
  (error) => {
    if (error?.code === 'EADDRINUSE') console.error(`Port ${port} is taken: try PORT=${port + 1} pnpm demo`);
    else console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

console.log(`ssekit demo on ${demo.url}  (Express, Koa and Hono share one channel; Ctrl-C stops)`);
console.log(`A resumable answer (reload, second tab, Stop): ${demo.url}answer.html`);
if (redis) {
  console.log(
    `The channel is the Redis stream ${REDIS_KEY} at ${redactedUrl(redis)}: start more instances with the same REDIS_URL and another PORT.`,
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C means "now": skip the drain.
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`${time()} ${signal}: draining ${demo.hub.channel.size} stream(s) over 1s, then stopping`);
    // The retry hint spreads the browsers' return over 5 s once a new server is up.
    demo.close({ retry: 5000, over: 1000 }).then(
      () => {
        console.log(`${time()} stopped`);
        process.exit(0);
      },
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
