// `node --expose-gc client-memory-reader.mjs <client> <url> <events> <every>`: reads <events> events
// from <url> with one client (`ssekit`: the BUILT @ssekit/client through `for await`; `eventsource`:
// the `eventsource` package's `onmessage`) and every <every> events collects garbage and records live
// heap + arrayBuffers. Prints `{ samples, seconds }` (bytes, wall-clock seconds) as JSON and exits.
import { performance } from 'node:perf_hooks';

const [client, url, total, every] = process.argv.slice(2);
const samples = [];
let received = 0;
const started = performance.now();

/** Counts one event; samples memory every `every` events. Returns whether all were read. */
function count(data) {
  if (data.length === 0) throw new Error('empty event');
  received++;
  if (received % Number(every) === 0) {
    globalThis.gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    samples.push(heapUsed + arrayBuffers);
  }
  return received === Number(total);
}

if (client === 'ssekit') {
  const { connect } = await import('@ssekit/client');
  for await (const event of connect(url, { parse: 'text' })) if (count(event.data)) break;
} else if (client === 'eventsource') {
  const { EventSource } = await import('eventsource');
  await new Promise((resolve, reject) => {
    const source = new EventSource(url);
    source.onmessage = (event) => {
      if (count(event.data)) {
        source.close();
        resolve();
      }
    };
    source.onerror = (error) => {
      source.close();
      reject(new Error(`eventsource: ${error.message ?? 'connection error'}`));
    };
  });
} else throw new Error(`unknown client ${client}`);
console.log(JSON.stringify({ samples, seconds: (performance.now() - started) / 1000 }));
