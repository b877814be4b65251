import { connect } from 'node:net';
import { track } from './cleanup.js';
import type { RunningServer } from './harness.js';

/**
 * One HTTP/1.1 connection driven byte by byte, for what `fetch` hides or forbids: several requests
 * on one keep-alive connection, and header bytes that are not ASCII.
 */
export interface RawConnection {
  /**
   * Sends a request: `head` is its request line and headers, `\r\n`-separated, without `Host` and
   * the blank line; a string goes out as UTF-8, bytes as they are.
   */
  send(head: string | Uint8Array): void;
  /** Resolves with everything received so far, decoded as UTF-8, once `done` holds for it. */
  until(done: (received: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
}

/** Opens a connection to the server; it is closed after the test. */
export function rawConnection(server: RunningServer): Promise<RawConnection> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({
        send: (head) =>
          socket.write(
            Buffer.concat([
              typeof head === 'string' ? Buffer.from(head, 'utf8') : head,
              Buffer.from(`\r\nHost: ${hostname}:${port}\r\n\r\n`),
            ]),
          ),
        until: (done, what, timeoutMs = 3000) =>
          new Promise((resolveUntil, rejectUntil) => {
            const check = () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (!done(text)) return false;
              clearTimeout(timeout);
              socket.off('data', check);
              resolveUntil(text);
              return true;
            };
            const timeout = setTimeout(() => {
              socket.off('data', check);
              const text = Buffer.concat(chunks).toString('utf8');
              rejectUntil(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(text)}`));
            }, timeoutMs);
            if (!check()) socket.on('data', check);
          }),
      });
    });
    const chunks: Buffer[] = [];
    // Registered first, so `until`'s own listener always sees the chunk already collected.
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    track(() => socket.destroy());
  });
}
