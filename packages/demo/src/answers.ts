import {
  createResumable,
  type Resumable,
  type ResumableRequestLike,
  resumableRoutes,
  SSEFieldError,
} from '@ssekit/express';
import { redisResumableLog } from '@ssekit/redis';
import express from 'express';

/**
 * What the fake model says, word by word. Fixed text, no network: the page is about how an answer
 * survives reloads, tabs and Stop, not about what it says.
 */
const ANSWER_TEXT = `Server-Sent Events are a plain HTTP response that never ends: the server writes
events as they come, each one a few lines of text, and the browser's EventSource reads them. Every
event can carry an id, and when the connection breaks the browser reconnects by itself and sends the
last id it saw in the Last-Event-ID header, so the server can carry on from there. A model's answer
fits this well: tokens arrive one by one, the reader only listens, and the answer should not be lost
because a tab was reloaded or a phone changed networks. Here the answer is produced once, in the
background, into a log; every reader follows that log from its own position. Reloading the page reads
the log again from the start, a second tab reads the same log, and a dropped connection resumes from
the id it last received. Closing a tab stops only that reader; the Stop button cancels the answer
itself, and every tab that follows it is told so. When the producer returns, each reader gets one
last event saying the answer is done, and the browser closes its EventSource.`;

/** The answer's words, each with the space after it, as the tokens a model would stream. */
export const ANSWER_TOKENS: readonly string[] = ANSWER_TEXT.split(/\s+/).map((word) => `${word} `);

/** Options of `answerApp`. */
export interface AnswerOptions {
  /** Milliseconds between two tokens. Default 100. */
  tokenInterval?: number;
  /** How many tokens an answer has (the fixed text repeats if needed). Default 200. */
  tokenCount?: number;
  /** A Redis URL: the answers' log is then shared by every instance on that Redis. Default: in memory. */
  redis?: string;
  /** How long an ended answer stays readable, in ms. Default 10 minutes. */
  ttl?: number;
}

/** The answers of a running demo: their HTTP routes, what each producer sent, and how to stop. */
export interface Answers {
  /** The Express app serving `POST /chat`, `GET /chat/:id/stream` and `POST /chat/:id/cancel`. */
  app: express.Express;
  /**
   * The tokens the producers of this instance stored, by answer id (the latest `KEEP_PRODUCED`), to
   * compare with what pages show.
   */
  produced: Map<string, string[]>;
  /** The ids of the answers whose producer runs in this instance now: one leaves once it returns. */
  running: ReadonlySet<string>;
  /**
   * Cancels the answers this instance is still producing (their readers, here or on another
   * instance, get `cancelled`: nobody would finish them), then closes the log and its Redis
   * connections. Ended answers in Redis stay readable from the other instances until their TTL.
   */
  close(): Promise<void>;
}

/** The start request as the routes read it: `express.json()` has parsed `{"id":…}` into `body`. */
type StartRequest = ResumableRequestLike & { readonly body?: { readonly id?: unknown } };

/** How many answers' tokens `produced` keeps; older ones are forgotten. */
const KEEP_PRODUCED = 100;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A fake model: `count` tokens from the fixed text, one every `interval` ms, until `signal` aborts
 * (Stop, from any tab or instance). A reader leaving does not abort it: the answer goes on in the log.
 */
export async function* fakeTokens(
  signal: AbortSignal,
  interval: number,
  count: number,
): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) {
    await pause(interval, signal);
    if (signal.aborted) return;
    yield ANSWER_TOKENS[i % ANSWER_TOKENS.length] as string;
  }
}

/**
 * The demo's answer routes, through `@ssekit/express`'s `resumableRoutes`: the page POSTs
 * `{"id":…}` to start an answer (a second POST with the same id only reads it), follows it with its
 * own `EventSource` on `/chat/:id/stream`, and Stop POSTs to `/chat/:id/cancel`.
 */
export function answerApp(options: AnswerOptions = {}): Answers {
  const { tokenInterval = 100, tokenCount = 200, redis, ttl = 10 * 60_000 } = options;
  const resumable: Resumable = createResumable({
    ttl,
    log: redis === undefined ? undefined : redisResumableLog({ redis }),
  });
  const produced = new Map<string, string[]>();
  const running = new Set<string>();

  const chat = resumableRoutes<StartRequest>(resumable, (req) => {
    const streamId = typeof req.body?.id === 'string' ? req.body.id : '';
    return {
      streamId,
      producer: async function* ({ signal }) {
        const tokens: string[] = [];
        produced.set(streamId, tokens);
        for (const old of produced.keys()) {
          if (produced.size <= KEEP_PRODUCED) break;
          produced.delete(old);
        }
        running.add(streamId);
        try {
          for await (const token of fakeTokens(signal, tokenInterval, tokenCount)) {
            yield token;
            // Resumed only once the log stored it: a token refused after Stop is not counted.
            tokens.push(token);
          }
        } finally {
          running.delete(streamId);
        }
      },
    };
  });

  const app = express();
  app.disable('x-powered-by');
  app.post('/chat', express.json({ limit: '1kb' }), chat.start);
  app.get('/chat/:id/stream', chat.resume);
  app.post('/chat/:id/cancel', chat.cancel);
  // A stream id the library refuses (SSEFieldError) is the client's mistake: 400 with the reason.
  // Anything else (the log unreachable) goes on to Express's own 500.
  app.use(((error, _req, res, next) => {
    if (!(error instanceof SSEFieldError) || res.headersSent) return next(error);
    res.status(400).type('text').send(error.message);
  }) as express.ErrorRequestHandler);
  return {
    app,
    produced,
    running,
    async close() {
      await Promise.allSettled([...running].map((id) => resumable.cancel(id)));
      await resumable.close();
    },
  };
}
