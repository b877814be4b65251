// The sustained benchmarks' load client, a child process of its own (forked, driven over IPC), so
// that reading the events competes with the servers as a separate client machine would, and the
// latency it measures runs from the sender's clock to its own: both read the same wall clock
// (stamp.mjs). It opens raw connections (client.mjs) spread round-robin over the server ports and
// records, for every event, receipt time minus the send time stamped in its data.
//
// Messages in: {type: 'open', ports, n} -> {type: 'opened'}
//              {type: 'reset'} -> {type: 'reset'}: forget what was received (after a warm-up)
//              {type: 'await', deliveries, timeoutMs} -> {type: 'report', ...} once that many events
//                arrived since the reset (or the time is up)
//              {type: 'close'}: closes every connection and exits
import { closeClients, openClients } from './client.mjs';
import { LatencyHistogram } from './latency-histogram.mjs';
import { MARKER } from './payload.mjs';
import { nowMicros, readStamp } from './stamp.mjs';

const histogram = new LatencyHistogram();
/** Events that carried no readable stamp (never expected: counted to show if one happens). */
let unstamped = 0;
let lastReceiptUs = 0;
let cpu0 = process.cpuUsage();
let clients = [];
/** Resolves the pending `await` once enough deliveries are in. */
let waiting;

function onEvent(buf, at) {
  const stamp = readStamp(buf, at);
  const now = nowMicros();
  if (Number.isNaN(stamp)) unstamped++;
  else histogram.record(now - stamp);
  lastReceiptUs = now;
  if (waiting && histogram.count + unstamped >= waiting.deliveries) waiting.done();
}

async function open({ ports, n }) {
  // Client i connects to ports[i % ports.length]: each port gets its share, as a balancer spreads them.
  const opened = await Promise.all(
    ports.map((port, i) =>
      openClients({
        port,
        n: Math.floor(n / ports.length) + (i < n % ports.length ? 1 : 0),
        marker: MARKER,
        onEvent,
      }),
    ),
  );
  clients = opened.flat();
}

function report(timedOut) {
  const cpu = process.cpuUsage(cpu0);
  return {
    type: 'report',
    timedOut,
    deliveries: histogram.count + unstamped,
    unstamped,
    p50Ms: histogram.quantileMs(0.5),
    p90Ms: histogram.quantileMs(0.9),
    p99Ms: histogram.quantileMs(0.99),
    maxMs: histogram.maxUs / 1000,
    lastReceiptMs: lastReceiptUs / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    closed: clients.filter((c) => c.closed || c.error).length,
  };
}

process.on('message', async (message) => {
  switch (message.type) {
    case 'open':
      try {
        await open(message);
        process.send({ type: 'opened' });
      } catch (error) {
        process.send({ type: 'error', message: String(error?.message ?? error) });
      }
      break;
    case 'reset':
      histogram.reset();
      unstamped = 0;
      lastReceiptUs = 0;
      cpu0 = process.cpuUsage();
      process.send({ type: 'reset' });
      break;
    case 'await': {
      const timedOut = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(true), message.timeoutMs);
        waiting = {
          deliveries: message.deliveries,
          done: () => {
            clearTimeout(timer);
            resolve(false);
          },
        };
        if (histogram.count + unstamped >= message.deliveries) waiting.done();
      });
      waiting = undefined;
      process.send(report(timedOut));
      break;
    }
    case 'close':
      closeClients(clients);
      process.disconnect();
      break;
  }
});
