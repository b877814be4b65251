// The client side's hot loop: ssekit's parser (`createParser` from the BUILT @ssekit/core) against
// `eventsource-parser` 3 on the same 200 000 mixed events cut into the same awkward chunks, as text and
// as bytes, runs interleaved (ours first on odd runs, theirs first on even ones). Prints a markdown
// table: events/s of each (median) and the median of the per-run ratios. Time is the process's CPU
// time (user + system), not the wall clock: the parse is synchronous, so on a quiet machine the two
// agree, and on a busy one CPU time leaves out the time other processes held the core.
//
//   node packages/bench/src/parser.mjs [--events 200000] [--runs 15] [--ours path/to/module.js] [--ascii]
//
// `--ours` loads `createParser` from another build (an A/B against previous code). `--ascii` drops
// the corpus's only non-ASCII text: every chunk is then a one-byte string in V8, where `indexOf`
// costs both parsers less per line and the ratio moves (see BENCHMARKS.md). Bytes: ssekit is
// fed the Uint8Array chunks; eventsource-parser takes text only, so it gets each chunk through one
// streaming TextDecoder, as its own EventSourceParserStream does.
import { pathToFileURL } from 'node:url';
import { createParser as createTheirs } from 'eventsource-parser';

function parseArgs(argv) {
  const o = { events: 200_000, runs: 15, ours: '@ssekit/core', ascii: false };
  const args = [...argv];
  while (args.length > 0) {
    const flag = args.shift();
    if (flag === '--ascii') o.ascii = true;
    else if (flag === '--events') o.events = Number(args.shift());
    else if (flag === '--runs') o.runs = Number(args.shift());
    else if (flag === '--ours') o.ours = pathToFileURL(args.shift()).href;
    else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

/** CPU milliseconds `fn` takes. */
function cpuMs(fn) {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** A small seeded PRNG (mulberry32), so every run and every machine cuts the same corpus. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The mix: mostly one-line JSON messages, then typed events with ids, multi-line data, LLM-style
 * tokens, keep-alive comments and retry hints, some with non-ASCII text. LF line ends, as servers send.
 */
function corpus(events, rand, ascii) {
  const parts = [];
  const third = ascii ? 'third e:)' : 'third é😀';
  const json = (i) =>
    `{"seq":${i},"user":"u${(i * 7919) % 10007}","text":"${'lorem ipsum '.repeat(1 + (i % 6))}"}`;
  for (let i = 0; i < events; i++) {
    const r = rand();
    if (r < 0.45) parts.push(`data: ${json(i)}\n\n`);
    else if (r < 0.65) parts.push(`event: update\nid: ${i}\ndata: ${json(i)}\n\n`);
    else if (r < 0.75) parts.push(`data: first line ${i}\ndata: second line\ndata: ${third}\n\n`);
    else if (r < 0.9)
      parts.push(`event: token\ndata: ${['the', 'quick', 'brown', 'fox', 'jumps'][i % 5]}\n\n`);
    else if (r < 0.95) parts.push(`: keep-alive\n\nid: ${i}\ndata: ${json(i)}\n\n`);
    else parts.push(`retry: 3000\ndata: ${json(i)}\n\n`);
  }
  return parts.join('');
}

/**
 * Cuts at random points, 1 to 1 024 units apart: most events straddle two chunks. Text chunks are
 * copied out of the corpus (a JSON round trip keeps even a half surrogate pair) so that each is its
 * own flat string, as a decoder hands them over, not a view into one 20 MB string.
 */
function cut(whole, rand) {
  const chunks = [];
  for (let at = 0; at < whole.length; ) {
    const size = 1 + Math.floor(rand() * 1024);
    const chunk = whole.slice(at, at + size);
    chunks.push(typeof chunk === 'string' ? JSON.parse(JSON.stringify(chunk)) : chunk);
    at += size;
  }
  return chunks;
}

function runOurs(createParser, chunks) {
  let events = 0;
  const parser = createParser({ onEvent: () => events++, onRetry() {}, onComment() {} });
  const ms = cpuMs(() => {
    for (const chunk of chunks) parser.feed(chunk);
  });
  return { events, ms };
}

function runTheirs(chunks) {
  let events = 0;
  const parser = createTheirs({ onEvent: () => events++, onRetry() {}, onComment() {} });
  const ms = cpuMs(() => {
    if (typeof chunks[0] === 'string') {
      for (const chunk of chunks) parser.feed(chunk);
    } else {
      const decoder = new TextDecoder();
      for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    }
  });
  return { events, ms };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const opts = parseArgs(process.argv.slice(2));
const { createParser } = await import(opts.ours);
const text = corpus(opts.events, random(13), opts.ascii);
const bytes = new TextEncoder().encode(text);
const cases = [
  ['text chunks', cut(text, random(17))],
  ['Uint8Array chunks', cut(bytes, random(17))],
];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rows = [];
for (const [name, chunks] of cases) {
  // Warm-up: both parsers compiled before anything is timed.
  for (let i = 0; i < 3; i++) {
    runOurs(createParser, chunks);
    runTheirs(chunks);
  }
  const ours = [];
  const theirs = [];
  for (let run = 0; run < opts.runs; run++) {
    const pair =
      run % 2
        ? [runTheirs(chunks), runOurs(createParser, chunks)].reverse()
        : [runOurs(createParser, chunks), runTheirs(chunks)];
    if (pair[0].events !== opts.events || pair[1].events !== opts.events) {
      throw new Error(
        `${name}: ${pair[0].events} and ${pair[1].events} events dispatched, ${opts.events} sent`,
      );
    }
    ours.push(pair[0].ms);
    theirs.push(pair[1].ms);
  }
  const ratios = ours.map((ms, run) => theirs[run] / ms);
  rows.push(
    `| ${name} | ${fmt(chunks.length)} | ${fmt((opts.events / median(ours)) * 1000)} | ${fmt((opts.events / median(theirs)) * 1000)} | ${median(ratios).toFixed(2)}× |`,
  );
}
console.log(
  '| chunks | count | ssekit events/s (CPU) | eventsource-parser events/s (CPU) | ssekit ÷ eventsource-parser |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
