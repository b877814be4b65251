// With SSEKIT_BENCH_ENGINE set, the ssekit scenarios' channel shares its events with every other
// server process through that engine, as instances behind a load balancer do: `redis://host:port`
// (@ssekit/redis) or `nats://host:port` (@ssekit/nats, JetStream). Without it (the default) the
// channel is in-process. The multi-instance benchmark (multi.mjs) starts the engine and sets it.

/** Redis key / JetStream stream every bench instance shares. */
const NAME = 'ssekit-bench';

/** The channel's history engine, ready (following the stream); `undefined` unless SSEKIT_BENCH_ENGINE is set. */
export async function benchHistory() {
  const url = process.env.SSEKIT_BENCH_ENGINE;
  if (!url) return undefined;
  const onError = (error) => console.error(`engine: ${error.message}`);
  let engine;
  if (url.startsWith('redis://')) {
    const { redisChannel } = await import('@ssekit/redis');
    engine = redisChannel({ redis: url, key: NAME, onError });
  } else if (url.startsWith('nats://')) {
    const { natsChannel } = await import('@ssekit/nats');
    engine = natsChannel({ nats: url, stream: NAME, onError });
  } else {
    throw new Error(`SSEKIT_BENCH_ENGINE must be a redis:// or nats:// URL, not ${url}`);
  }
  await engine.ready();
  return engine;
}
