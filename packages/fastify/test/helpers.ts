import type { TestServer as KitTestServer } from '@ssekit/test-kit';
import type { FastifyInstance } from 'fastify';

/** A Fastify app listening on 127.0.0.1 and a free port (Fastify owns its server: no `port` or `server`). */
export type TestServer = Pick<KitTestServer, 'url' | 'close' | 'shutdown'>;

export async function listen(
  app: FastifyInstance,
  drain: () => Promise<void> = async () => {},
): Promise<TestServer> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    close: async () => {
      // An HTTP/2 server (`http2: true`) has no closeAllConnections: its sessions close with the app.
      (app.server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await app.close();
    },
    shutdown: async () => {
      await drain();
      await app.close();
    },
  };
}

export { connect, type EventClient } from '@ssekit/test-kit';

/** One line of Fastify's (pino's) log. */
export interface LogEntry {
  level: number;
  msg?: string;
  err?: { type?: string; message?: string; code?: string };
}

/** pino's level of `warn`: entries at or above it are what an operator would be paged for. */
export const WARN = 40;

/** Fastify logger options that collect every entry, parsed, into `entries`. */
export function recordingLogger(): {
  entries: LogEntry[];
  logger: { level: string; stream: { write(line: string): void } };
} {
  const entries: LogEntry[] = [];
  return {
    entries,
    logger: { level: 'info', stream: { write: (line) => void entries.push(JSON.parse(line) as LogEntry) } },
  };
}
