// Sustained-rate benchmarks: `pnpm bench --multi-only [flags]` (see README.md), and two sections of
// a full `pnpm bench`.
//
// - Multi-instance: K = 1, 2, 4 server processes (the ssekit-express scenario) share one channel
//   through Redis and through NATS JetStream (each engine started here); N clients spread
//   round-robin over the instances; R events/s for T s, the sends spread over the instances in
//   turn; beside them the same workload on one in-process channel (K = 1, no engine): the floor.
// - Sustained, one instance: N clients, R events/s for T s, ssekit against better-sse and
//   @fastify/sse (their fan-out scenario servers).
//
// Every event carries its send time (stamp.mjs); the load client is a process of its own
// (latency-client.mjs) and records receipt minus send time for every delivery. CPU is read from
// every process over the measured window: the servers and the client (process.cpuUsage) and the
// engine (/proc).
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { processCpuMs, startNats, startRedis } from './engines.mjs';
import { cpuMs, startServer, waitSubscribers } from './server-process.mjs';

/** Headings of the two sections in BENCHMARKS.md (a --multi-only run replaces them there). */
export const MULTI_HEADING = '\n## Multi-instance: one channel across K server processes\n\n';
export const SUSTAINED_HEADING =
  '\n## Sustained rate: one instance, ssekit against better-sse and @fastify/sse\n\n';

/** The instance every multi-instance trial runs (the in-process floor too). */
const INSTANCE = 'ssekit-express';
const SUSTAINED_SCENARIOS = ['ssekit-express', 'ssekit-fastify', 'better-sse', 'fastify-sse'];
const LABELS = {
  'ssekit-express': 'ssekit + Express',
  'ssekit-fastify': 'ssekit + Fastify',
  'better-sse': 'better-sse Channel (node:http)',
  'fastify-sse': '@fastify/sse (Fastify)',
};
/** Keep-alive interval given to every server: longer than any run, so none is sent. */
const HEARTBEAT_MS = 60_000;

const USAGE = `pnpm bench --multi-only [flags]   (full size: about 5 minutes)
  --n 1000        multi-instance clients
  --rate 100      multi-instance events per second (spread over the instances)
  --s 10          seconds measured (after a 1 s warm-up at the same rate)
  --k 1,2,4       instance counts
  --engines redis,nats
  --sustained-n 10000 --sustained-rate 50 --sustained-s 10   the one-instance comparison (0 clients: skip)
  --b 100         bytes of data per event
  --quick         smoke sizes (--n 30 --rate 20 --s 1 --k 1,2 --sustained-n 30 --sustained-rate 20
                  --sustained-s 1); writes no BENCHMARKS.md unless --out is given
  --out FILE      markdown report to update (default BENCHMARKS.md at the repo root)
  --json FILE     raw results as JSON`;

/** The options of a run, from `pnpm bench --multi-only`'s flags. */
export function multiOptions(argv = []) {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string' },
      rate: { type: 'string' },
      s: { type: 'string' },
      k: { type: 'string' },
      engines: { type: 'string' },
      'sustained-n': { type: 'string' },
      'sustained-rate': { type: 'string' },
      'sustained-s': { type: 'string' },
      b: { type: 'string' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const num = (flag, full, small) => {
    const v = Number(values[flag] ?? (quick ? small : full));
    if (!(v >= 0)) throw new Error(`--${flag} needs a number >= 0\n${USAGE}`);
    return v;
  };
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const opts = {
    quick,
    n: num('n', 1000, 30),
    rate: num('rate', 100, 20),
    seconds: num('s', 10, 1),
    ks: (values.k ?? (quick ? '1,2' : '1,2,4')).split(',').map(Number),
    engines: (values.engines ?? 'redis,nats').split(','),
    sustainedN: num('sustained-n', 10_000, 30),
    sustainedRate: num('sustained-rate', 50, 20),
    sustainedSeconds: num('sustained-s', 10, 1),
    bytes: num('b', 100, 100),
    out: values.out ? resolve(cwd, values.out) : undefined,
    json: values.json ? resolve(cwd, values.json) : undefined,
    argv,
  };
  for (const e of opts.engines) if (!ENGINES[e]) throw new Error(`unknown engine ${e}\n${USAGE}`);
  if (opts.ks.some((k) => !(k >= 1))) throw new Error('--k takes instance counts >= 1');
  if (!(opts.rate > 0 && opts.sustainedRate > 0)) throw new Error('rates must be > 0');
  return opts;
}

const ENGINES = { redis: startRedis, nats: startNats };

// ---------------------------------------------------------------------------------------------
// The load client process

function startLoadClient() {
  const child = fork(new URL('latency-client.mjs', import.meta.url), [], { stdio: 'inherit' });
  const ask = (message, reply) =>
    new Promise((resolve, reject) => {
      const onMessage = (answer) => {
        if (answer.type !== reply && answer.type !== 'error') return;
        cleanup();
        if (answer.type === 'error') reject(new Error(`load client: ${answer.message}`));
        else resolve(answer);
      };
      const onExit = (code) => {
        cleanup();
        reject(new Error(`load client exited (${code})`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message);
    });
  return {
    ask,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      if (child.connected) child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One trial

const wallMs = () => performance.timeOrigin + performance.now();

/**
 * Sends `rate` events/s for `seconds` s through the servers in turn (server i sends events i,
 * i + K, ...: one evenly spaced stream); resolves with the events scheduled, those sent (`total`),
 * and the servers' pacing reports.
 */
async function pace(servers, { rate, seconds, bytes }) {
  const total = Math.round(rate * seconds);
  const k = servers.length;
  const gap = 1000 / rate;
  // A moment ahead, so every server has the schedule before its first send is due.
  const at = wallMs() + 100;
  // A server that cannot keep the rate stops sending at twice the run's length (at least 5 s more).
  const deadline = at + seconds * 1000 + Math.max(5_000, seconds * 1000);
  const reports = await Promise.all(
    servers.map((server, i) =>
      server.control(
        'POST',
        `/pace?at=${at + i * gap}&every=${k * gap}&count=${Math.ceil((total - i) / k)}&deadline=${deadline}&b=${bytes}`,
      ),
    ),
  );
  return { at, scheduled: total, total: reports.reduce((sum, r) => sum + r.sent, 0), reports };
}

/**
 * K servers of `scenario` (on `engine`, or in-process), `n` clients spread over them, a 1 s warm-up
 * at the rate, then `rate` events/s for `seconds` s, measured.
 */
async function trial({ scenario, engine, k, n, rate, seconds, bytes }) {
  const result = { scenario, engine: engine?.name ?? 'in-process', k, n, rate, seconds };
  const servers = [];
  let client;
  try {
    const env = engine ? { SSEKIT_BENCH_ENGINE: engine.url } : undefined;
    // Settled, not raced: every server that did start is stopped below even if another failed.
    const started = await Promise.allSettled(
      Array.from({ length: k }, () => startServer(scenario, { heartbeatMs: HEARTBEAT_MS, env })),
    );
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const mem0 = await Promise.all(servers.map((s) => s.control('GET', '/mem')));
    client = startLoadClient();
    await client.ask({ type: 'open', ports: servers.map((s) => s.ssePort), n }, 'opened');
    const connectTimeoutMs = 30_000 + n * 10;
    await Promise.all(
      servers.map((s, i) => waitSubscribers(s, Math.floor(n / k) + (i < n % k ? 1 : 0), connectTimeoutMs)),
    );

    const drainMs = 30_000;
    const warm = await pace(servers, { rate, seconds: 1, bytes });
    await client.ask({ type: 'await', deliveries: warm.total * n, timeoutMs: drainMs }, 'report');
    await client.ask({ type: 'reset' }, 'reset');

    const cpu0 = await Promise.all(servers.map((s) => s.control('GET', '/cpu')));
    const engineCpu0 = engine ? processCpuMs(engine.pid) : Number.NaN;
    const run = await pace(servers, { rate, seconds, bytes });
    const sentAt = wallMs();
    const got = await client.ask({ type: 'await', deliveries: run.total * n, timeoutMs: drainMs }, 'report');
    const cpu1 = await Promise.all(servers.map((s) => s.control('GET', '/cpu')));
    const engineCpu1 = engine ? processCpuMs(engine.pid) : Number.NaN;
    // The window every CPU figure is a share of: first send due to last receipt.
    const windowMs = Math.max(got.lastReceiptMs, sentAt) - run.at;
    const stats = await Promise.all(servers.map((s) => s.control('GET', '/stats')));
    const mem1 = await Promise.all(servers.map((s) => s.control('GET', '/mem')));

    Object.assign(result, {
      complete: !got.timedOut && got.deliveries === run.total * n && got.closed === 0,
      deliveries: got.deliveries,
      expected: run.total * n,
      deliveriesPerSec: got.deliveries / (windowMs / 1000),
      scheduled: run.scheduled,
      total: run.total,
      sendRate: run.total / ((sentAt - run.at) / 1000),
      p50Ms: got.p50Ms,
      p90Ms: got.p90Ms,
      p99Ms: got.p99Ms,
      maxMs: got.maxMs,
      windowMs,
      serverCpuShare: servers.map((_, i) => cpuMs(cpu0[i], cpu1[i]) / windowMs),
      serverCpuUsPerDelivery:
        (servers.reduce((sum, _, i) => sum + cpuMs(cpu0[i], cpu1[i]), 0) * 1000) / got.deliveries,
      engineCpuShare: (engineCpu1 - engineCpu0) / windowMs,
      clientCpuShare: got.cpuMs / windowMs,
      lateP99Ms: Math.max(...run.reports.map((r) => r.lateP99Ms)),
      loopDelayP99Ms: Math.max(...run.reports.map((r) => r.loopDelayP99Ms)),
      loopDelayMaxMs: Math.max(...run.reports.map((r) => r.loopDelayMaxMs)),
      sendErrors: stats.reduce((sum, s) => sum + s.sendErrors, 0),
      closedClients: got.closed,
      heapMiB: mem1.reduce((sum, m) => sum + m.heapUsed, 0) / 2 ** 20,
      rssMiB: mem1.reduce((sum, m) => sum + m.rss, 0) / 2 ** 20,
      heapGrowthMiB: mem1.reduce((sum, m, i) => sum + m.heapUsed - mem0[i].heapUsed, 0) / 2 ** 20,
    });
  } catch (error) {
    result.error = String(error?.message ?? error);
    result.complete = false;
  } finally {
    await client?.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
  log(result);
  return result;
}

function log(t) {
  const what = `${t.scenario} ${t.engine} K=${t.k} N=${t.n} ${t.rate}/s`;
  if (t.error) console.log(`${what}: ERROR ${t.error}`);
  else
    console.log(
      `${what}: p50 ${fmt(t.p50Ms, 2)} ms p99 ${fmt(t.p99Ms, 2)} ms, ${fmt(t.deliveriesPerSec)} deliveries/s, ` +
        `CPU ${t.serverCpuShare.map((c) => pct(c)).join(' ')} engine ${pct(t.engineCpuShare)} client ${pct(t.clientCpuShare)}, ` +
        `instance loop delay p99 ${fmt(t.loopDelayP99Ms, 1)} max ${fmt(t.loopDelayMaxMs, 1)} ms` +
        `${t.complete ? '' : ` INCOMPLETE ${t.deliveries}/${t.expected}`}`,
    );
}

// ---------------------------------------------------------------------------------------------
// The two sections

/** Every multi-instance trial: the in-process floor, then each engine at each K. */
export async function runMulti(opts) {
  const shape = { n: opts.n, rate: opts.rate, seconds: opts.seconds, bytes: opts.bytes };
  const trials = [await trial({ scenario: INSTANCE, k: 1, ...shape })];
  for (const name of opts.engines) {
    let engine;
    try {
      engine = await ENGINES[name]();
      for (const k of opts.ks) trials.push(await trial({ scenario: INSTANCE, engine, k, ...shape }));
    } catch (error) {
      trials.push({ engine: name, error: String(error?.message ?? error), complete: false });
    } finally {
      await engine?.stop();
    }
  }
  return trials;
}

/** Every one-instance trial, one per scenario. */
export async function runSustained(opts) {
  const trials = [];
  if (opts.sustainedN === 0) return trials;
  for (const scenario of SUSTAINED_SCENARIOS) {
    trials.push(
      await trial({
        scenario,
        k: 1,
        n: opts.sustainedN,
        rate: opts.sustainedRate,
        seconds: opts.sustainedSeconds,
        bytes: opts.bytes,
      }),
    );
  }
  return trials;
}

const fmt = (x, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const pct = (share) => (Number.isFinite(share) ? `${Math.round(share * 100)} %` : '—');
const load = () => os.loadavg()[0].toFixed(2);

function context(command) {
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${os.cpus().length} cores, load ${load()}; \`${command}\``;
}

function notes(trials) {
  const bad = trials.filter((t) => t.error || !t.complete || t.sendErrors > 0 || t.total < t.scheduled);
  if (!bad.length) return '';
  return `\n${bad
    .map(
      (t) =>
        `- ${t.scenario ?? ''} ${t.engine} K=${t.k ?? '?'}: ${t.error ?? `${fmt(t.total)} of ${fmt(t.scheduled)} events sent before the deadline (it could not keep the rate), ${fmt(t.deliveries)}/${fmt(t.expected)} deliveries, ${t.closedClients} clients closed, ${t.sendErrors} sends failed`}`,
    )
    .join('\n')}\n`;
}

/** The multi-instance section's markdown. */
export function multiMarkdown(opts, trials, command) {
  const floor = trials.find((t) => t.engine === 'in-process');
  const lines = [
    `${fmt(opts.n)} clients (raw HTTP connections in one load-client process, spread round-robin over the instances) receive ${fmt(opts.rate)} events/s of ${opts.bytes} B for ${opts.seconds} s (after a 1 s warm-up). ` +
      `Each instance is the \`${INSTANCE}\` scenario server (its own process); the sends are spread over the instances in turn (instance i sends events i, i + K, …), so every instance both sends and follows. ` +
      'Latency runs from just before `channel.send` (the time stamped in the event) to the load client reading the event, for every delivery. ' +
      "CPU is each process's user + system time over the window (first send to last receipt) as a share of one core: this machine has " +
      `${os.cpus().length}, so the shares of one row add up to at most ${os.cpus().length * 100} %. ` +
      'Sent/s below the rate means the senders could not keep it. ' +
      `Δ p50 is against the in-process channel (K = 1, no engine) in the same run (${context(command)}).`,
    '',
    '| engine | K | p50 ms | Δ p50 ms | p99 ms | max ms | sent/s | deliveries/s | instance CPU (each) | engine CPU | client CPU | all processes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const t of trials.filter((x) => !x.error)) {
    const total = t.serverCpuShare.reduce((a, b) => a + b, 0) + (t.engineCpuShare || 0) + t.clientCpuShare;
    lines.push(
      `| ${t.engine} | ${t.k} | ${fmt(t.p50Ms, 2)} | ${t === floor ? '—' : fmt(t.p50Ms - floor?.p50Ms, 2)} | ${fmt(t.p99Ms, 2)} | ${fmt(t.maxMs, 1)} | ${fmt(t.sendRate)} | ${fmt(t.deliveriesPerSec)} | ${t.serverCpuShare.map(pct).join(', ')} | ${pct(t.engineCpuShare)} | ${pct(t.clientCpuShare)} | ${pct(total)} |`,
    );
  }
  return `${MULTI_HEADING}${lines.join('\n')}\n${notes(trials)}`;
}

/** The one-instance section's markdown. */
export function sustainedMarkdown(opts, trials, command) {
  const lines = [
    `${fmt(opts.sustainedN)} clients, ${fmt(opts.sustainedRate)} events/s of ${opts.bytes} B for ${opts.sustainedSeconds} s (after a 1 s warm-up), one server process (the fan-out scenarios' servers, each library broadcasting as it offers), ` +
      'the load client in its own process. Latency from just before the broadcast call to the client reading the event, for every delivery; ' +
      'server CPU per delivery and as a share of one core over the window; heap (after forced GC) and RSS of the server with every client connected, after the run. ' +
      "Sent/s below the rate means the server could not keep it (a sender stops at twice the run's length, at least 5 s more; latency still runs from each actual send) " +
      `(${context(command)}).`,
    '',
    '| scenario | p50 ms | p99 ms | max ms | sent/s | deliveries/s | server CPU µs/delivery | server CPU | heap MiB | RSS MiB | client CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of trials.filter((x) => !x.error)) {
    lines.push(
      `| ${LABELS[t.scenario]} | ${fmt(t.p50Ms, 2)} | ${fmt(t.p99Ms, 2)} | ${fmt(t.maxMs, 1)} | ${fmt(t.sendRate)} | ${fmt(t.deliveriesPerSec)} | ${fmt(t.serverCpuUsPerDelivery, 2)} | ${pct(t.serverCpuShare[0])} | ${fmt(t.heapMiB, 1)} | ${fmt(t.rssMiB, 1)} | ${pct(t.clientCpuShare)} |`,
    );
  }
  return `${SUSTAINED_HEADING}${lines.join('\n')}\n${notes(trials)}`;
}

/** Both sections, measured now: what a full `pnpm bench` appends. */
export async function multiSections(opts = multiOptions()) {
  const command = `pnpm bench --multi-only${opts.argv.length ? ` ${opts.argv.join(' ')}` : ''}`;
  const multi = await runMulti(opts);
  const sustained = await runSustained(opts);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ opts, multi, sustained }, null, 2));
  const ok = [...multi, ...sustained].every((t) => t.complete && !t.sendErrors);
  return {
    ok,
    multi: multiMarkdown(opts, multi, command),
    sustained: sustained.length ? sustainedMarkdown(opts, sustained, command) : undefined,
  };
}
