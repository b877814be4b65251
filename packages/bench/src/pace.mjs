// A sustained send rate: `count` sends, one every `every` ms from the wall-clock time `at`, so that
// several processes given interleaved start times send one evenly spaced stream between them.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const wallMs = () => performance.timeOrigin + performance.now();

/**
 * Calls `send` on schedule and resolves with how late the timer let each send go (p50, p99, max in
 * ms): on a loaded machine the rate slips, and the report shows by how much. A late send does not
 * inflate latency, which starts at the send call (the payload's stamp). Also the event loop's
 * delay over the run (p99, max in ms): a process stalled (by the machine, or by GC) shows there,
 * and every event it was to deliver meanwhile waits as long. A sender that cannot keep the rate
 * stops at `deadline` (wall-clock ms) with fewer sent: a run stays bounded in time, and `sent`
 * says how far it got.
 */
export async function sendPaced({ at, every, count, deadline = Number.POSITIVE_INFINITY, send }) {
  const late = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let sent = 0;
  for (; sent < count && wallMs() < deadline; sent++) {
    const i = sent;
    const wait = at + i * every - wallMs();
    if (wait > 0) await sleep(wait);
    late.push(Math.max(0, -(at + i * every - wallMs())));
    send();
  }
  loop.disable();
  late.sort((a, b) => a - b);
  const q = (p) => (late.length ? late[Math.min(late.length - 1, Math.ceil(p * late.length) - 1)] : 0);
  return {
    sent,
    lateP50Ms: q(0.5),
    lateP99Ms: q(0.99),
    lateMaxMs: late.at(-1) ?? 0,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
  };
}
