import { connect, type Socket } from 'node:net';
import { track } from './cleanup.js';
import type { RunningServer } from './harness.js';

/**
 * Opens a TCP connection to the server and sends `GET path` over HTTP/1.1, for tests that need what
 * `fetch` hides: a client that stops reading, or one that drops the connection abruptly.
 */
export function rawGet(server: RunningServer, path: string): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.off('error', reject);
      // A reset by the server (a dropped slow client) is an outcome the test checks, not a crash.
      socket.on('error', () => {});
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(socket);
    });
    socket.once('error', reject);
    track(() => socket.destroy());
  });
}

/** Resolves with the response head (status line and headers) once it has arrived. */
export function readHead(socket: Socket, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const finish = (error?: Error) => {
      clearTimeout(timeout);
      socket.off('data', onData);
      if (error) reject(error);
      else resolve(received.slice(0, received.indexOf('\r\n\r\n')));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) finish();
    };
    const timeout = setTimeout(() => finish(new Error(`no response head within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
  });
}

/** Resolves once the connection is closed; fails after `timeoutMs`. */
export function waitForClose(socket: Socket, timeoutMs = 3000): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`the connection stayed open for ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('close', () => {
      clearTimeout(timeout);
      resolve();
    });
  });
}
