import { invalidOption } from '../check-option.js';
import { checkStreamId, parseResumableEventId, resumableEventId } from './event-id.js';
import type { LogPage, ResumableLog } from './log.js';
import { type ResumableOptions, resolveResumableOptions } from './options.js';

/**
 * The shape of `EventStore` in `@modelcontextprotocol/sdk` (its Streamable HTTP server transport's
 * `eventStore` option), written out here so that core depends on no SDK. Checked against SDK 1.32.
 */
export interface McpEventStore {
  /** Stores a JSON-RPC message the transport sends on stream `streamId`; answers its event id. */
  storeEvent(streamId: string, message: object): Promise<string>;
  /** The stream an event id belongs to (read from the id itself), or `undefined` for an id this store never issued. */
  getStreamIdForEventId(eventId: string): Promise<string | undefined>;
  /**
   * Sends every message stored after `lastEventId` on its stream, in order, and answers the stream's id.
   * A request's stream is followed until its response is stored, on whichever instance stores it.
   */
  replayEventsAfter(
    lastEventId: string,
    options: { send(eventId: string, message: object): Promise<void> },
  ): Promise<string>;
}

/**
 * Options of `mcpEventStore`: the limits of each stream, as `createResumable` takes them and with
 * its defaults (`maxEvents`, `maxBytes`, `ttl` counted from the response, `maxDuration`), and a scope.
 */
export interface McpEventStoreOptions
  extends Pick<ResumableOptions, 'maxEvents' | 'maxBytes' | 'ttl' | 'maxDuration'> {
  /**
   * Prepended (with a `.`) to the SDK's stream ids to make the log's. The SDK names every session's
   * standalone GET stream alike (`_GET_stream`), so a store shared by several sessions gives each its
   * own scope (the session id, say). Characters `A-Z a-z 0-9 _ - ~`. Default: none.
   */
  scope?: string;
}

/** The SDK's id for a session's standalone GET stream (server/webStandardStreamableHttp, SDK 1.x): it never ends. */
const STANDALONE_STREAM = '_GET_stream';
const PAGE = 256;
const SCOPE = /^[A-Za-z0-9_~-]{1,100}$/;

/**
 * An MCP `EventStore` on a `ResumableLog`: with `memoryLog()` for one instance, with
 * `@ssekit/redis`'s `redisResumableLog` for resumes that land on any instance sharing Redis.
 * Each SDK stream is one resumable stream; its event ids are the log's (`<stream>:<generation>:<seq>`),
 * so an id alone finds its stream, on any instance. A request's stream ends when its JSON-RPC
 * response is stored (the protocol, from 2025-06-18, carries one request per POST), and then
 * stays readable for `ttl`.
 *
 * A resume of a request's stream follows it until the response is stored, wherever the request
 * runs: the SDK sends the response headers only once `replayEventsAfter` resolves, so a client
 * resuming mid-request receives what was missed and what follows, together, when the response is
 * stored. Events trimmed by `maxEvents` / `maxBytes` are skipped.
 *
 * @throws SSEFieldError / SSERangeError (`ERR_SSE_INVALID_OPTION`) for a scope outside
 * `A-Z a-z 0-9 _ - ~` or a limit out of range.
 *
 * @example
 * const transport = new StreamableHTTPServerTransport({
 *   sessionIdGenerator: undefined,
 *   eventStore: mcpEventStore(redisResumableLog({ redis: process.env.REDIS_URL })),
 * });
 */
export function mcpEventStore(log: ResumableLog, options: McpEventStoreOptions = {}): McpEventStore {
  const { scope, maxEvents, maxBytes, ttl, maxDuration } = options;
  if (scope !== undefined && (typeof scope !== 'string' || !SCOPE.test(scope))) {
    throw invalidOption('scope', scope, '1 to 100 characters of A-Z a-z 0-9 _ - ~', 'type');
  }
  const { limits } = resolveResumableOptions({ log, maxEvents, maxBytes, ttl, maxDuration });
  const prefix = scope === undefined ? '' : `${scope}.`;
  /** The generation of each stream this store writes to; a request's is dropped once it ends. */
  const generations = new Map<string, string>();
  /** The last write of each stream being written: one SDK stream's messages are stored in call order. */
  const tails = new Map<string, Promise<unknown>>();

  const logId = (streamId: string) => `${prefix}${streamId}`;
  const sdkId = (id: string) => (id.startsWith(prefix) ? id.slice(prefix.length) : undefined);

  async function appendTo(id: string, data: string, fresh: boolean) {
    let generation = generations.get(id);
    if (generation === undefined || fresh) {
      generation = (await log.create(id, limits)).generation;
      generations.set(id, generation);
    }
    return { generation, seq: await log.append(id, generation, { data }) };
  }

  async function store(id: string, message: object): Promise<string> {
    // The SDK's ids (UUIDs, `_GET_stream`) fit; anything else could not come back in an event id.
    checkStreamId(id);
    const data = JSON.stringify(message);
    let { generation, seq } = await appendTo(id, data, false);
    // The stream ended or expired meanwhile (a standalone stream past its duration): start it anew.
    if (seq === undefined) ({ generation, seq } = await appendTo(id, data, true));
    if (seq === undefined) throw new Error(`The resumable stream "${id}" ended as a message was stored.`);
    if (isResponse(message)) {
      generations.delete(id);
      await log.finish(id, generation, { state: 'done' });
    }
    return resumableEventId(id, generation, seq);
  }

  return {
    storeEvent(streamId, message) {
      const id = logId(streamId);
      const stored = (tails.get(id) ?? Promise.resolve()).then(() => store(id, message));
      const tail = stored.catch(() => undefined);
      tails.set(id, tail);
      void tail.then(() => {
        if (tails.get(id) === tail) tails.delete(id);
      });
      return stored;
    },
    async getStreamIdForEventId(eventId) {
      const position = parseResumableEventId(eventId);
      return position && sdkId(position.streamId);
    },
    async replayEventsAfter(lastEventId, { send }) {
      const position = parseResumableEventId(lastEventId);
      const streamId = position && sdkId(position.streamId);
      // The store issues no terminal ids ('end'): such an id is not one of its own.
      if (!position || streamId === undefined || position.seq === 'end') {
        throw new Error(`"${lastEventId}" is not an event id of this MCP event store.`);
      }
      const { streamId: id, generation } = position;
      let after = position.seq;
      let changed = false;
      let wake: (() => void) | undefined;
      // Watching before the first read: a change made after that read wakes the wait below.
      const stop = log.watch(id, () => {
        changed = true;
        wake?.();
      });
      try {
        for (;;) {
          changed = false;
          const page: LogPage = await log.read(id, { generation, after, limit: PAGE });
          if (page.kind === 'gone')
            throw new Error(`The MCP stream of event "${lastEventId}" is gone (expired, or never stored).`);
          for (const entry of page.entries) {
            await send(resumableEventId(id, generation, entry.seq), parseMessage(entry.data, id, entry.seq));
            after = entry.seq;
          }
          if (after < page.last) continue;
          if (page.terminal || streamId === STANDALONE_STREAM) return streamId;
          if (Date.now() > page.deadline) {
            // Its producer's instance stopped without ending it: no response will come.
            await log.finish(id, generation, {
              state: 'error',
              message: 'The request stopped without a response.',
            });
            return streamId;
          }
          if (!changed) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, page.deadline - Date.now()) + 1);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      } finally {
        stop();
      }
    },
  };
}

/** A JSON-RPC response (`result` or `error` with an `id`): the last message of a request's stream. */
function isResponse(message: object): boolean {
  return 'id' in message && ('result' in message || 'error' in message) && !('method' in message);
}

function parseMessage(data: string, id: string, seq: number): object {
  try {
    const message: unknown = JSON.parse(data);
    if (typeof message === 'object' && message !== null) return message;
  } catch {}
  throw new Error(
    `Event ${seq} of the MCP stream "${id}" is not a JSON-RPC message; something else wrote to the log.`,
  );
}
