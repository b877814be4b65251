// `pnpm bench [flags]`: runs every scenario server in its own process against the raw-socket load
// client, interleaved (A B C, A B C, ...), and prints / writes a markdown report. See README.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { awaitEvents, closeClients, openClients } from './client.mjs';
import { clientMemoryTable } from './client-memory.mjs';
import { MULTI_HEADING, multiOptions, multiSections, SUSTAINED_HEADING } from './multi.mjs';
import { MARKER } from './payload.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { BASELINE, cpuMs, startServer, waitReleased, waitSubscribers } from './server-process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = resolve(here, '..');
const repoRoot = resolve(benchRoot, '../..');

/** A scenario's row label; a baseline twin's says so. */
function label(scenario) {
  return scenario.endsWith(BASELINE)
    ? `${LABELS[scenario.slice(0, -BASELINE.length)]} — baseline`
    : LABELS[scenario];
}

const LABELS = {
  floor: 'floor (node:http, pre-encoded Buffers)',
  'better-sse': 'better-sse Channel',
  'hono-streamsse': 'Hono streamSSE (@hono/node-server)',
  'fastify-sse': '@fastify/sse (Fastify)',
  'express-floor': 'reference: the floor inside an Express route',
  'ssekit-express': 'ssekit + Express',
  'ssekit-koa': 'ssekit + Koa',
  'ssekit-hono': 'ssekit + Hono (@hono/node-server)',
  'ssekit-fastify': 'ssekit + Fastify',
};

const USAGE = `pnpm bench [flags]
  --quick              smoke run: --n 20 --m 10 --reps 1 --idle-n 20 --idle-s 2 --single-m 2000
                       --heartbeat-ms 500; writes no BENCHMARKS.md unless --out is given
  --n 1000,5000,10000  fan-out client counts
  --m 100 --b 100      events per broadcast, bytes of data per event
  --reps 3             repetitions (scenarios interleaved within each)
  --idle-n 10000       connections held for the idle-cost and memory figures (0: skip idle)
  --idle-s 30          seconds of idle measured
  --single-m 200000    events sent to one client (0: skip)
  --heartbeat-ms 15000 keep-alive interval given to every scenario
  --scenarios a,b,...  subset (floor is always added: ratios need it)
  --out FILE           markdown report (default BENCHMARKS.md at the repo root; none with --quick)
  --json FILE          raw results as JSON
  --cpu-prof NAME      run scenario NAME's servers with --cpu-prof (profiles in packages/bench/profiles)
  --baseline DIR       A/B against another checkout of this repo (built, e.g. a git worktree of the
                       last release): every ssekit-* scenario also runs from DIR's own server as
                       NAME@baseline, interleaved with this checkout's within each repetition
  --timeout-s 120      per-measurement timeout (20 with --quick)
  --parser-only        run only the parser comparison (src/parser.mjs, ~1 min) and replace its
                       section in BENCHMARKS.md (or --out FILE)
  --client-memory      run only the client memory comparison (src/client-memory.mjs, ~1 min) and
                       replace its section in BENCHMARKS.md (or --out FILE)
  --storm-only         run only the reconnect storm (src/storm.mjs, ~1-3 min) and replace its section
                       in BENCHMARKS.md (or --out FILE)
  --storm-n 10000      clients in the reconnect storm
  --multi-only ...     run only the sustained-rate sections (src/multi.mjs, ~5 min: multi-instance
                       on Redis and NATS, one instance against better-sse and @fastify/sse) and
                       replace them in BENCHMARKS.md; \`pnpm bench --multi-only --help\` for its flags`;

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const o = {
    quick,
    n: quick ? [20] : [1000, 5000, 10000],
    m: quick ? 10 : 100,
    b: 100,
    reps: quick ? 1 : 3,
    idleN: quick ? 20 : 10_000,
    idleS: quick ? 2 : 30,
    singleM: quick ? 2000 : 200_000,
    heartbeatMs: quick ? 500 : 15_000,
    scenarios: SCENARIOS,
    out: quick ? undefined : join(repoRoot, 'BENCHMARKS.md'),
    json: undefined,
    cpuProf: undefined,
    baseline: undefined,
    timeoutS: quick ? 20 : 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!(v >= 0)) throw new Error(`${flag} needs a number >= 0`);
      return v;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--n':
        o.n = value().split(',').map(Number);
        break;
      case '--m':
        o.m = num();
        break;
      case '--b':
        o.b = num();
        break;
      case '--reps':
        o.reps = num();
        break;
      case '--idle-n':
        o.idleN = num();
        break;
      case '--idle-s':
        o.idleS = num();
        break;
      case '--single-m':
        o.singleM = num();
        break;
      case '--heartbeat-ms':
        o.heartbeatMs = num();
        break;
      case '--scenarios': {
        const list = value().split(',');
        for (const s of list) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
        o.scenarios = SCENARIOS.filter((s) => s === 'floor' || list.includes(s));
        break;
      }
      case '--out':
        o.out = resolve(process.env.INIT_CWD ?? process.cwd(), value());
        break;
      case '--json':
        o.json = resolve(process.env.INIT_CWD ?? process.cwd(), value());
        break;
      case '--cpu-prof':
        o.cpuProf = value();
        break;
      case '--baseline':
        o.baseline = resolve(process.env.INIT_CWD ?? process.cwd(), value());
        break;
      case '--timeout-s':
        o.timeoutS = num();
        break;
      case '--parser-only':
        o.parserOnly = true;
        break;
      case '--client-memory':
        o.clientMemoryOnly = true;
        break;
      case '--storm-only':
        o.stormOnly = true;
        break;
      case '--storm-n':
        o.stormN = num();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (o.n.some((n) => !(n > 0))) throw new Error('--n takes positive client counts');
  if (o.baseline !== undefined) {
    // Each ssekit scenario right after its baseline twin: the two meet the same machine state. A
    // scenario the baseline does not have (a newer adapter) runs alone.
    const inBaseline = (s) => existsSync(join(o.baseline, 'packages/bench/src/scenarios', `${s}.mjs`));
    o.scenarios = o.scenarios.flatMap((s) =>
      s.startsWith('ssekit-') && inBaseline(s) ? [`${s}${BASELINE}`, s] : [s],
    );
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// One fan-out trial: connect N, measure idle memory (and idle CPU when N is the idle N),
// broadcast M events, measure delivery, disconnect, measure what is left.

async function fanoutTrial(name, n, opts, { measureIdle, measureFanout, single }) {
  const timeoutMs = opts.timeoutS * 1000;
  const result = { scenario: name, n };
  let server;
  try {
    server = await startServer(name, opts);
    // Warm-up: a few clients and one small broadcast, so the baseline includes lazy initialisation
    // and the JIT has seen the broadcast path.
    const warm = await openClients({ port: server.ssePort, n: Math.min(20, n), marker: MARKER });
    await waitSubscribers(server, warm.length, timeoutMs);
    const warmDone = awaitEvents(warm, 10, timeoutMs);
    await server.control('POST', `/broadcast?m=10&b=${opts.b}`);
    await warmDone;
    closeClients(warm);
    await waitReleased(server, 30_000);
    const mem0 = await server.control('GET', '/mem');

    const connectStart = performance.now();
    const clients = await openClients({ port: server.ssePort, n, marker: MARKER, timeoutMs });
    await waitSubscribers(server, n, timeoutMs);
    result.connectMs = performance.now() - connectStart;
    // Let connection setup settle (better-sse connects on setImmediate, Hono on a microtask).
    await sleep(200);
    const memN = await server.control('GET', '/mem');
    result.rssPerConn = (memN.rss - mem0.rss) / n;
    result.heapPerConn = (memN.heapUsed - mem0.heapUsed) / n;
    result.externalPerConn = (memN.external + memN.arrayBuffers - mem0.external - mem0.arrayBuffers) / n;

    if (measureIdle) {
      const blocks0 = clients.reduce((sum, c) => sum + c.counter.otherBlocks, 0);
      const cpu0 = await server.control('GET', '/cpu');
      await sleep(opts.idleS * 1000);
      const cpu1 = await server.control('GET', '/cpu');
      const blocks1 = clients.reduce((sum, c) => sum + c.counter.otherBlocks, 0);
      result.idleCpuMs = cpuMs(cpu0, cpu1);
      result.idleHeartbeatsPerConn = (blocks1 - blocks0) / n;
      result.idleDropped = clients.filter((c) => c.closed).length;
    }

    if (measureFanout) {
      const clientCpu0 = process.cpuUsage();
      const cpu0 = await server.control('GET', '/cpu');
      const done = awaitEvents(clients, opts.m, timeoutMs);
      const t0 = performance.now();
      const answer = await server.control('POST', `/broadcast?m=${opts.m}&b=${opts.b}`);
      const { timedOut } = await done;
      const tEnd = performance.now();
      const cpu1 = await server.control('GET', '/cpu');
      const clientCpu = cpuMs(clientCpu0, process.cpuUsage());
      const times = clients
        .filter((c) => c.doneAt > 0)
        .map((c) => c.doneAt - t0)
        .sort((a, b) => a - b);
      const last = times.length ? times[times.length - 1] : tEnd - t0;
      result.badStatus = clients.filter((c) => c.counter.status !== 200 || c.error).length;
      result.complete = !timedOut && times.length === n && result.badStatus === 0;
      result.clientsComplete = times.length;
      result.eventsReceived = clients.reduce((sum, c) => sum + Math.min(c.counter.events, opts.m), 0);
      result.eventsExpected = n * opts.m;
      result.deliveriesPerSec = (n * opts.m) / (last / 1000);
      result.p50Ms = quantile(times, 0.5);
      result.p99Ms = quantile(times, 0.99);
      result.lastMs = last;
      result.loopMs = answer.loopMs;
      result.serverCpuUsPerDelivery = (cpuMs(cpu0, cpu1) * 1000) / (n * opts.m);
      result.clientCpuShare = clientCpu / (tEnd - t0);
    }

    closeClients(clients);
    result.released = await waitReleased(server, 30_000);
    const memEnd = await server.control('GET', '/mem');
    result.heapLeft = memEnd.heapUsed - mem0.heapUsed;
    result.rssLeft = memEnd.rss - mem0.rss;
    if (single) await measureSingle(server, opts, single);
  } catch (error) {
    result.error = String(error?.message ?? error);
    result.complete = false;
    if (single && single.complete === undefined) {
      single.error = `not run: ${result.error}`;
      single.complete = false;
    }
  } finally {
    await server?.stop();
  }
  return result;
}

async function singleTrial(name, opts) {
  const result = { scenario: name, m: opts.singleM };
  let server;
  try {
    server = await startServer(name, opts);
    await measureSingle(server, opts, result);
  } catch (error) {
    result.error = String(error?.message ?? error);
    result.complete = false;
  } finally {
    await server?.stop();
  }
  return result;
}

/** One client, `singleM` events sent with the per-stream API (after a small warm-up). */
async function measureSingle(server, opts, result) {
  const timeoutMs = opts.timeoutS * 1000;
  const warmM = Math.min(2000, opts.singleM);
  const [warm] = await openClients({ port: server.ssePort, n: 1, marker: MARKER });
  await waitSubscribers(server, 1, timeoutMs);
  const warmDone = awaitEvents([warm], warmM, timeoutMs);
  await server.control('POST', `/each?m=${warmM}&b=${opts.b}`);
  await warmDone;
  closeClients([warm]);
  await waitReleased(server, 30_000);

  const [client] = await openClients({ port: server.ssePort, n: 1, marker: MARKER });
  await waitSubscribers(server, 1, timeoutMs);
  const cpu0 = await server.control('GET', '/cpu');
  const done = awaitEvents([client], opts.singleM, timeoutMs);
  const t0 = performance.now();
  await server.control('POST', `/each?m=${opts.singleM}&b=${opts.b}`);
  const { timedOut } = await done;
  const elapsed = (client.doneAt || performance.now()) - t0;
  const cpu1 = await server.control('GET', '/cpu');
  result.complete = !timedOut && client.counter.events === opts.singleM;
  result.eventsReceived = client.counter.events;
  result.eventsExpected = opts.singleM;
  result.eventsPerSec = opts.singleM / (elapsed / 1000);
  result.serverCpuUsPerEvent = (cpuMs(cpu0, cpu1) * 1000) / opts.singleM;
  result.bytesPerEvent = client.counter.bodyBytes / Math.max(1, client.counter.events);
  closeClients([client]);
  await waitReleased(server, 30_000);
}

// ---------------------------------------------------------------------------------------------
// Statistics and the report

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Median over repetitions of a metric, and median of its per-repetition ratio to the floor. */
function summarise(trials, scenario, metric, key = (t) => t.rep) {
  const mine = trials.filter((t) => t.scenario === scenario);
  const value = median(mine.map((t) => t[metric]));
  const ratios = mine.map((t) => {
    const floor = trials.find((f) => f.scenario === 'floor' && key(f) === key(t));
    return floor ? t[metric] / floor[metric] : Number.NaN;
  });
  return { value, ratio: median(ratios) };
}

const fmt = (x, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const ratio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');
const kb = (bytes) => fmt(bytes / 1024, 1);

function versions() {
  const read = (pkg) => {
    try {
      return JSON.parse(readFileSync(join(benchRoot, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return '?';
    }
  };
  const list = [
    '@ssekit/core',
    '@ssekit/express',
    '@ssekit/koa',
    '@ssekit/hono',
    'express',
    'koa',
    'hono',
    '@hono/node-server',
    'better-sse',
    'fastify',
    '@fastify/sse',
  ];
  return list.map((p) => `${p} ${read(p)}`).join(', ');
}

/** The commit checked out in `dir` (a worktree too), or '?'. */
function commitOf(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

function gitCommit() {
  try {
    const head = readFileSync(join(repoRoot, '.git/HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 12);
    return readFileSync(join(repoRoot, '.git', head.slice(5)), 'utf8')
      .trim()
      .slice(0, 12);
  } catch {
    return '?';
  }
}

function report(opts, results, meta) {
  const { fanout, single } = results;
  const scen = opts.scenarios;
  const lines = [];
  const cpu = os.cpus();
  lines.push('# ssekit benchmarks', '');
  lines.push(
    `- Date: ${meta.date}`,
    `- Command: \`${meta.command}\``,
    `- Node ${process.version} on ${os.platform()} ${os.release()}; ${cpu[0]?.model ?? '?'}, ${cpu.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory`,
    `- Load average before / after: ${meta.loadBefore} / ${meta.loadAfter} (other work on the machine makes figures noisy)`,
    `- Commit ${meta.commit}; ${versions()}`,
    ...(opts.baseline === undefined
      ? []
      : [
          `- A/B: rows marked "baseline" run the servers of the checkout at ${opts.baseline} (commit ${commitOf(opts.baseline)}), each right before this checkout's twin in every repetition`,
        ]),
    `- ${opts.reps} repetition(s), scenarios interleaved within each; figures are medians over repetitions, ratios are medians of each repetition's ratio to the floor of the same repetition. Events carry ${opts.b} B of data; keep-alive every ${opts.heartbeatMs / 1000} s. Every scenario server is its own process (\`node --expose-gc\`), the load client (raw \`node:net\` sockets) another, on 127.0.0.1; the machine has ${cpu.length} cores, so client and server share them.`,
    `- Total run time: ${fmt(meta.seconds, 0)} s`,
    '',
  );

  const complete = [...fanout, ...single].every((t) => t.complete !== false && !t.error);
  lines.push(
    complete
      ? '**Every scenario delivered every event to every client.**'
      : '**INCOMPLETE: some trials did not deliver every event (see Notes).**',
    '',
  );

  for (const n of opts.n) {
    const trials = fanout.filter((t) => t.n === n && t.deliveriesPerSec !== undefined);
    if (!trials.length) continue;
    lines.push(
      `## Fan-out: ${fmt(n)} clients, one broadcast of ${opts.m} events × ${opts.b} B`,
      '',
      'Deliveries per second until the last client has every event; time to completion per client, from the broadcast call; server CPU per delivery (less sensitive to machine noise than wall time); client CPU share shows whether the load client was the bottleneck.',
      '',
      '| Scenario | deliveries/s | vs floor | p50 ms | p99 ms | server CPU µs/delivery | vs floor | client CPU share |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const s of scen) {
      const d = summarise(trials, s, 'deliveriesPerSec');
      const c = summarise(trials, s, 'serverCpuUsPerDelivery');
      const mine = trials.filter((t) => t.scenario === s);
      lines.push(
        `| ${label(s)} | ${fmt(d.value)} | ${ratio(d.ratio)} | ${fmt(median(mine.map((t) => t.p50Ms)), 1)} | ${fmt(median(mine.map((t) => t.p99Ms)), 1)} | ${fmt(c.value, 2)} | ${ratio(c.ratio)} | ${fmt(median(mine.map((t) => t.clientCpuShare * 100)))}% |`,
      );
    }
    lines.push('');
  }

  const memN = opts.idleN > 0 ? opts.idleN : Math.max(...opts.n);
  const memTrials = fanout.filter((t) => t.n === memN && t.heapPerConn !== undefined);
  if (memTrials.length) {
    lines.push(
      `## Memory: ${fmt(memN)} idle connections`,
      '',
      'Growth over the server\'s own baseline (taken after a warm-up, after forced GC), divided by the connections; "heap left" is V8 heap still used after every client disconnected, over the same baseline (a leak shows here). RSS includes kernel-side socket buffers only indirectly; it is noisy at small N.',
      '',
      '| Scenario | RSS KiB/conn | vs floor | heap KiB/conn | vs floor | external KiB/conn | heap left after disconnect KiB | released |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const s of scen) {
      const r = summarise(memTrials, s, 'rssPerConn');
      const h = summarise(memTrials, s, 'heapPerConn');
      const mine = memTrials.filter((t) => t.scenario === s);
      lines.push(
        `| ${label(s)} | ${kb(r.value)} | ${ratio(r.ratio)} | ${kb(h.value)} | ${ratio(h.ratio)} | ${kb(median(mine.map((t) => t.externalPerConn)))} | ${kb(median(mine.map((t) => t.heapLeft)))} | ${mine.every((t) => t.released) ? 'yes' : 'NO'} |`,
      );
    }
    lines.push('');
  }

  const idleTrials = fanout.filter((t) => t.idleCpuMs !== undefined);
  if (idleTrials.length) {
    lines.push(
      `## Idle cost: ${fmt(opts.idleN)} idle connections for ${opts.idleS} s, keep-alive every ${opts.heartbeatMs / 1000} s`,
      '',
      'Server CPU time (user + system) over the window, and keep-alive comments each client received in it.',
      '',
      '| Scenario | server CPU ms | vs floor | keep-alives per connection |',
      '| --- | ---: | ---: | ---: |',
    );
    for (const s of scen) {
      const c = summarise(idleTrials, s, 'idleCpuMs');
      const mine = idleTrials.filter((t) => t.scenario === s);
      lines.push(
        `| ${label(s)} | ${fmt(c.value)} | ${ratio(c.ratio)} | ${fmt(median(mine.map((t) => t.idleHeartbeatsPerConn)), 2)} |`,
      );
    }
    lines.push('');
  }

  if (single.length) {
    lines.push(
      `## Single stream: 1 client, ${fmt(opts.singleM)} events × ${opts.b} B`,
      '',
      "Sent with each library's per-stream API, awaiting backpressure where it offers it (better-sse's `push` has none).",
      '',
      '| Scenario | events/s | vs floor | server CPU µs/event | vs floor | wire bytes/event |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const s of scen) {
      const e = summarise(single, s, 'eventsPerSec');
      const c = summarise(single, s, 'serverCpuUsPerEvent');
      const mine = single.filter((t) => t.scenario === s);
      lines.push(
        `| ${label(s)} | ${fmt(e.value)} | ${ratio(e.ratio)} | ${fmt(c.value, 2)} | ${ratio(c.ratio)} | ${fmt(median(mine.map((t) => t.bytesPerEvent)))} |`,
      );
    }
    lines.push('');
  }

  const notes = [...fanout, ...single].filter((t) => t.error || t.complete === false || t.released === false);
  if (notes.length) {
    lines.push('## Notes', '');
    for (const t of notes) {
      lines.push(
        `- ${t.scenario}${t.n ? ` N=${t.n}` : ' single'} rep ${t.rep}: ${t.error ?? ''}${t.complete === false ? ` incomplete (${t.eventsReceived ?? 0}/${t.eventsExpected ?? '?'} events)` : ''}${t.released === false ? ' connections not released within 30 s' : ''}`,
      );
    }
    lines.push('');
  }
  lines.push(
    'What each scenario does: `packages/bench/src/scenarios/*.mjs`. Reproduce with the command above from the repo root after `pnpm install && pnpm build`.',
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--multi-only')) return multiOnly(argv.filter((a) => a !== '--multi-only'));
  const opts = parseArgs(argv);
  if (opts.parserOnly)
    return writeSection(opts.out ?? join(repoRoot, 'BENCHMARKS.md'), PARSER_HEADING, await parserSection());
  if (opts.clientMemoryOnly)
    return writeSection(
      opts.out ?? join(repoRoot, 'BENCHMARKS.md'),
      CLIENT_MEMORY_HEADING,
      await clientMemorySection(),
    );
  if (opts.stormOnly)
    return writeSection(opts.out ?? join(repoRoot, 'BENCHMARKS.md'), STORM_HEADING, await stormSection(opts));
  const nofile = Number(process.env.BENCH_NOFILE ?? Number.NaN);
  const biggest = Math.max(...opts.n, opts.idleN);
  if (Number.isFinite(nofile) && nofile < biggest + 200) {
    throw new Error(`open-file limit ${nofile} is too low for ${biggest} connections: raise ulimit -n`);
  }
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (hi - lo < biggest + 1000)
      console.warn(`warning: ephemeral port range ${lo}-${hi} is small for ${biggest} connections`);
  } catch {}

  if (opts.idleN > 0 && opts.idleS * 1000 < 2 * opts.heartbeatMs) {
    console.warn(
      `warning: an idle window of ${opts.idleS} s is shorter than two keep-alive intervals (${opts.heartbeatMs / 1000} s): scenarios whose timers start at connect may send no keep-alive inside it, so idle CPU is not comparable`,
    );
  }
  const started = performance.now();
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const meta = {
    date: new Date().toISOString(),
    command: `pnpm bench${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    loadBefore: load(),
    commit: gitCommit(),
  };
  const fanout = [];
  const single = [];
  const ns = [...opts.n];
  const idleOnly = opts.idleN > 0 && !ns.includes(opts.idleN);
  if (idleOnly) ns.push(opts.idleN);

  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const n of ns) {
      for (const s of opts.scenarios) {
        // --quick saves a process start per scenario by measuring the single stream in the same server.
        const shared =
          opts.quick && opts.singleM > 0 && n === ns[0] ? { scenario: s, m: opts.singleM, rep } : undefined;
        const t = await fanoutTrial(s, n, opts, {
          measureIdle: n === opts.idleN,
          measureFanout: opts.n.includes(n),
          single: shared,
        });
        t.rep = rep;
        fanout.push(t);
        log(t, rep);
        if (shared) {
          single.push(shared);
          log(shared, rep);
        }
      }
    }
    if (opts.singleM > 0 && !opts.quick) {
      for (const s of opts.scenarios) {
        const t = await singleTrial(s, opts);
        t.rep = rep;
        single.push(t);
        log(t, rep);
      }
    }
  }
  meta.loadAfter = load();
  meta.seconds = (performance.now() - started) / 1000;
  const results = { fanout, single };
  let markdown = report(opts, results, meta);
  if (!opts.quick)
    markdown +=
      (await frameworkMemorySection()) +
      (await sustainedRateSections()) +
      (await parserSection()) +
      (await clientMemorySection()) +
      (await stormSection(opts));
  console.log(`\n${markdown}`);
  if (opts.out) {
    writeFileSync(opts.out, markdown);
    console.log(`written to ${opts.out}`);
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ opts, meta, ...results }, null, 2));
  const ok = [...fanout, ...single].every((t) => !t.error && t.complete !== false);
  process.exitCode = ok ? 0 : 1;
}

/** Runs a script that prints a markdown table; resolves to the table, or `undefined` if it failed. */
async function childTable(script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let table = '';
  child.stdout.on('data', (chunk) => {
    table += chunk;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  return code === 0 && table.includes('|') ? table.trim() : undefined;
}

/**
 * Where the heap per idle connection goes: each framework holding a bare open response, the same
 * with ssekit and a channel, and ssekit on plain node:http (src/framework-memory.mjs).
 */
async function frameworkMemorySection() {
  const args = ['3000'];
  const table = await childTable(fileURLToPath(new URL('framework-memory.mjs', import.meta.url)), args);
  const heading = "\n## Heap per idle connection: the frameworks' own and ssekit's\n\n";
  if (!table) return `${heading}Not measured: \`node packages/bench/src/framework-memory.mjs\` failed.\n`;
  return (
    `${heading}Each variant holds 3,000 idle connections in its own process (heap after forced GC, over the ` +
    'baseline): `*-bare` is the framework alone holding an open `text/event-stream` response, `*-ssekit` the same ' +
    'route through the ssekit adapter with every stream in one channel, `node-ssekit` ssekit on plain `node:http` ' +
    `(\`node packages/bench/src/framework-memory.mjs ${args.join(' ')}\`).\n\n${table}\n`
  );
}

/** The multi-instance and one-instance sustained-rate sections at full size (src/multi.mjs). */
async function sustainedRateSections() {
  try {
    const { multi, sustained } = await multiSections();
    return multi + (sustained ?? '');
  } catch (error) {
    return `${MULTI_HEADING}Not measured: ${error.message.split('\n')[0]}\n`;
  }
}

/** `--multi-only [flags]`: the sustained-rate sections alone, replacing theirs in BENCHMARKS.md. */
async function multiOnly(argv) {
  const opts = multiOptions(argv);
  const { ok, multi, sustained } = await multiSections(opts);
  const file = opts.out ?? (opts.quick ? undefined : join(repoRoot, 'BENCHMARKS.md'));
  if (file) {
    writeSection(file, MULTI_HEADING, multi);
    if (sustained) writeSection(file, SUSTAINED_HEADING, sustained);
  } else console.log(`\n${multi}${sustained ?? ''}`);
  process.exitCode = ok ? 0 : 1;
}

const PARSER_HEADING = '\n## Parser: ssekit vs eventsource-parser\n\n';

/** The client side's parser against eventsource-parser 3, same chunks, interleaved (src/parser.mjs). */
async function parserSection() {
  const script = fileURLToPath(new URL('parser.mjs', import.meta.url));
  const table = await childTable(script, []);
  if (!table) return `${PARSER_HEADING}Not measured: \`node packages/bench/src/parser.mjs\` failed.\n`;
  // The same events without their non-ASCII text: every chunk a one-byte string, where a line costs
  // both parsers less and the ratio differs (text lower, bytes higher), so both corpora are shown.
  const ascii = await childTable(script, ['--ascii']);
  return (
    `${PARSER_HEADING}200,000 mixed events (one-line JSON messages, typed events with ids, multi-line data, ` +
    'LLM-style tokens, comments, retry hints; LF line ends; some non-ASCII) cut at random points 1 to 1,024 units ' +
    'apart, fed to `createParser` from the built `@ssekit/core` and to `eventsource-parser` 3.1.1 (bytes reach it ' +
    'through one streaming `TextDecoder`, as in its `EventSourceParserStream`); 15 runs, the two interleaved; ' +
    `events per second of CPU time (robust to other load on the machine) are medians, the ratio is the median of the per-run ratios (\`node packages/bench/src/parser.mjs\`, ` +
    `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, load ${os.loadavg()[0].toFixed(2)}).\n\n${table}\n` +
    '\nThe same events with their only non-ASCII text replaced by ASCII (`--ascii`: every chunk a one-byte ' +
    `string in V8), measured right after:\n\n${ascii ?? 'Not measured: `parser.mjs --ascii` failed.'}\n`
  );
}

const CLIENT_MEMORY_HEADING = '\n## Client memory over a 1,000,000-event stream\n\n';

/** @ssekit/client against eventsource 4 reading the same long stream (src/client-memory.mjs). */
async function clientMemorySection() {
  let table;
  try {
    table = await clientMemoryTable();
  } catch (error) {
    return `${CLIENT_MEMORY_HEADING}Not measured: \`node packages/bench/src/client-memory.mjs\` failed (${error.message.split('\n')[0]}).\n`;
  }
  return (
    `${CLIENT_MEMORY_HEADING}One client reads 1,000,000 events of ~100 B (an \`id\` and a JSON \`data\` line) from a ` +
    '`node:http` server that writes them 1,000 at a time as fast as the client takes them; the client runs in its own ' +
    'process (`--expose-gc`, the built package) and records live heap + arrayBuffers after a forced GC every 100,000 ' +
    'events. Growth: the median of the last three samples minus that of the first three (flat means the client keeps ' +
    'nothing per event; keeping one byte per event would show as ~1 MiB). Events/s is wall-clock, including the ' +
    `GCs (\`node packages/bench/src/client-memory.mjs\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ` +
    `load ${os.loadavg()[0].toFixed(2)}).\n\n${table}\n`
  );
}

const STORM_HEADING = '\n## Reconnect storm\n\n';

/** N clients resuming at once from one Last-Event-ID, replay reads shared and unshared (src/storm.mjs). */
async function stormSection(opts) {
  const args = [String(opts.stormN ?? 10_000), '100'];
  const table = await childTable(fileURLToPath(new URL('storm.mjs', import.meta.url)), args);
  if (!table) return `${STORM_HEADING}Not measured: \`node packages/bench/src/storm.mjs\` failed.\n`;
  return (
    `${STORM_HEADING}An instance died and its clients all reconnect to this one, each with the same Last-Event-ID: ` +
    'N raw-socket clients connect at once (at most 500 still connecting), each must receive the 100 events it missed from ' +
    'the channel\'s history, kept in memory or in a local `redis-server` through `@ssekit/redis`. "shared" is the default: ' +
    'resumers asking for the same replay page together share one read of the store; "unshared" reads every page for every ' +
    "resumer (the A/B switch is internal to the benchmark). Store reads are calls to the history's `after`, one per page " +
    'read; memory peaks are sampled every 10 ms in the server process, over its baseline after a forced GC; "all resumed" ' +
    "runs from the first connection attempt until the last client has the replay's last event " +
    `(\`node packages/bench/src/storm.mjs ${args.join(' ')}\`, ${new Date().toISOString().slice(0, 10)}). ` +
    'A read from the memory history is a slice of an array the history keeps anyway, so sharing saves reads there but ' +
    'neither time nor memory (differences between those two rows are noise and the order they run in); from Redis ' +
    'every read is a round trip and a parsed copy of the page held until the resumer has taken it, which sharing ' +
    `saves.\n\n${table}\n`
  );
}

/**
 * `--parser-only`, `--client-memory`, `--storm-only`, `--multi-only`: puts `section` (under
 * `heading`) in place of the old one in `file` (a new file holds just the section).
 */
function writeSection(file, heading, section) {
  console.log(section);
  let markdown = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = markdown.indexOf(heading);
  if (at === -1) markdown = `${markdown.trimEnd()}\n${section}`;
  else {
    const next = markdown.indexOf('\n## ', at + heading.length);
    markdown = markdown.slice(0, at) + section + (next === -1 ? '' : markdown.slice(next));
  }
  writeFileSync(file, markdown);
  console.log(`written to ${file}`);
}

function log(t, rep) {
  const what = t.n ? `N=${t.n}` : `single ${t.m}`;
  const parts = [`[rep ${rep}] ${t.scenario.padEnd(15)} ${what}`];
  if (t.error) parts.push(`ERROR ${t.error}`);
  if (t.deliveriesPerSec) parts.push(`${fmt(t.deliveriesPerSec)} deliveries/s p99 ${fmt(t.p99Ms, 1)} ms`);
  if (t.eventsPerSec) parts.push(`${fmt(t.eventsPerSec)} events/s`);
  if (t.heapPerConn !== undefined)
    parts.push(`heap ${kb(t.heapPerConn)} KiB/conn, left ${kb(t.heapLeft)} KiB`);
  if (t.idleCpuMs !== undefined) parts.push(`idle CPU ${fmt(t.idleCpuMs)} ms`);
  if (t.complete === false) parts.push('INCOMPLETE');
  console.log(parts.join('  '));
}

await main();
