import { unrefTimer } from '../background-timer.js';
import { utf8Length } from '../history.js';
import type {
  CreateResult,
  LogChange,
  LogEntry,
  LogEvent,
  LogPage,
  ResumableLimits,
  ResumableLog,
  TerminalState,
} from './log.js';

interface Kept {
  readonly entry: LogEntry;
  readonly bytes: number;
}

interface Stream {
  readonly generation: string;
  readonly limits: ResumableLimits;
  readonly deadline: number;
  kept: Kept[];
  /** Entries before `start` have been trimmed and await compaction. */
  start: number;
  bytes: number;
  last: number;
  terminal: TerminalState | undefined;
  /** Removes the stream once its TTL has passed. */
  expiry: ReturnType<typeof setTimeout> | undefined;
}

const GONE: LogPage = { kind: 'gone' };
let generations = 0;

/** A generation no earlier stream of this process (or, very likely, of another) was given. */
function nextGeneration(): string {
  return `${Date.now().toString(36)}${(generations++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The resumable log of one server instance: every stream in this process's memory. Appends,
 * finishes and watchers' hints are synchronous (the promises are resolved at once), so a cancel
 * reaches the producer's signal in the same tick. Each stream is bounded by its `maxEvents` and
 * `maxBytes` (the oldest events are trimmed), and removed `ttl` milliseconds after it finishes (a
 * timer per finished stream, which does not keep the process alive). For several instances, use a
 * shared log (`@ssekit/redis`).
 */
export function memoryLog(): ResumableLog {
  const streams = new Map<string, Stream>();
  const watchers = new Map<string, Set<(change: LogChange) => void>>();

  const tell = (id: string, change: LogChange) => {
    const listeners = watchers.get(id);
    if (listeners) for (const listener of [...listeners]) listener(change);
  };

  const current = (id: string, generation: string | undefined) => {
    const stream = streams.get(id);
    return stream && (generation === undefined || stream.generation === generation) ? stream : undefined;
  };

  function trim(stream: Stream) {
    const { maxEvents, maxBytes } = stream.limits;
    while (
      stream.start < stream.kept.length &&
      (stream.kept.length - stream.start > maxEvents || stream.bytes > maxBytes)
    ) {
      stream.bytes -= (stream.kept[stream.start] as Kept).bytes;
      stream.start++;
    }
    // Compact once half the array is dead, so trimming stays amortised O(1).
    if (stream.start > 64 && stream.start * 2 > stream.kept.length) {
      stream.kept = stream.kept.slice(stream.start);
      stream.start = 0;
    }
  }

  return {
    async create(id, limits): Promise<CreateResult> {
      const existing = streams.get(id);
      if (existing) return { created: false, generation: existing.generation };
      const generation = nextGeneration();
      streams.set(id, {
        generation,
        limits,
        deadline: Date.now() + limits.maxDuration,
        kept: [],
        start: 0,
        bytes: 0,
        last: 0,
        terminal: undefined,
        expiry: undefined,
      });
      return { created: true, generation };
    },

    async append(id, generation, event: LogEvent) {
      const stream = current(id, generation);
      if (!stream || stream.terminal) return undefined;
      const seq = ++stream.last;
      const entry: LogEntry =
        event.event === undefined ? { seq, data: event.data } : { seq, event: event.event, data: event.data };
      const bytes = utf8Length(event.data) + (event.event === undefined ? 0 : utf8Length(event.event));
      stream.kept.push({ entry, bytes });
      stream.bytes += bytes;
      trim(stream);
      tell(id, { last: seq });
      return seq;
    },

    async finish(id, generation, terminal) {
      const stream = current(id, generation);
      if (!stream || stream.terminal) return false;
      stream.terminal = terminal;
      // A finished stream's TTL must not hold a process that has nothing else to do (Node, Bun, Deno).
      stream.expiry = unrefTimer(
        setTimeout(() => {
          if (streams.get(id) === stream) streams.delete(id);
        }, stream.limits.ttl),
      );
      tell(id, { last: stream.last, terminal });
      return true;
    },

    async read(id, { generation, after, limit }) {
      const stream = current(id, generation);
      if (!stream) return GONE;
      const first = stream.last - (stream.kept.length - stream.start) + 1;
      const from = stream.start + Math.max(0, after - first + 1);
      const entries = stream.kept.slice(from, from + limit).map((kept) => kept.entry);
      return {
        kind: 'page',
        generation: stream.generation,
        entries,
        first,
        last: stream.last,
        terminal: stream.terminal,
        deadline: stream.deadline,
      };
    },

    watch(id, listener) {
      const listeners = watchers.get(id) ?? new Set();
      watchers.set(id, listeners);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && watchers.get(id) === listeners) watchers.delete(id);
      };
    },

    async close() {
      for (const stream of streams.values()) clearTimeout(stream.expiry);
      streams.clear();
      watchers.clear();
    },
  };
}
