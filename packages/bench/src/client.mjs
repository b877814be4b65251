// The load client: N raw node:net connections to GET /events, each counting the complete events it
// receives (see event-counter.mjs). Raw sockets keep the client far cheaper per byte than any HTTP
// client library, so that it is not what the benchmark measures.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { EventCounter } from './event-counter.mjs';

const REQUEST = Buffer.from(
  'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n',
);

class Client {
  constructor(marker, onEvent) {
    this.counter = new EventCounter(marker, onEvent);
    this.socket = undefined;
    /** Events still expected by the current measurement, and when they were all in. */
    this.target = 0;
    this.doneAt = 0;
    this.onDone = undefined;
    this.error = undefined;
    this.closed = false;
  }

  /** Waits for `count` more events; `onDone` runs once they are in. */
  expect(count, onDone) {
    this.target = this.counter.events + count;
    this.doneAt = 0;
    this.onDone = onDone;
  }

  onData(buf) {
    const c = this.counter;
    const before = c.events;
    c.push(buf);
    if (c.events !== before && this.onDone && c.events >= this.target) {
      this.doneAt = performance.now();
      const done = this.onDone;
      this.onDone = undefined;
      done(this);
    }
  }
}

/**
 * Opens `n` connections and sends each its request, at most `concurrency` at a time still
 * connecting. Resolves once every request is sent; the caller then waits until the server reports
 * them all registered. Response headers are not awaited here: some libraries (@fastify/sse) send
 * them only with the first write. A status other than 200, whenever it arrives, fails the client.
 * `onEvent` sees every event counted (see EventCounter).
 */
export async function openClients({ port, n, marker, onEvent, concurrency = 200, timeoutMs = 120_000 }) {
  const clients = [];
  let started = 0;
  let ready = 0;
  let failed;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${ready}/${n} connections opened within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error) => {
      if (failed) return;
      failed = error;
      clearTimeout(timer);
      reject(error);
    };
    const next = () => {
      if (failed) return;
      if (ready === n) {
        clearTimeout(timer);
        resolve();
        return;
      }
      while (started < n && started - ready < concurrency) openOne();
    };
    const openOne = () => {
      started++;
      const client = new Client(marker, onEvent);
      clients.push(client);
      const socket = net.connect({ host: '127.0.0.1', port });
      client.socket = socket;
      let connected = false;
      socket.on('connect', () => {
        connected = true;
        socket.write(REQUEST);
        ready++;
        next();
      });
      socket.on('data', (buf) => {
        const hadHeaders = client.counter.headers !== undefined;
        client.onData(buf);
        if (!hadHeaders && client.counter.headers && client.counter.status !== 200) {
          client.error = new Error(`GET /events answered ${client.counter.status}`);
          fail(client.error);
        }
      });
      socket.on('error', (error) => {
        client.error = error;
        if (!connected) fail(error);
      });
      socket.on('close', () => {
        client.closed = true;
      });
    };
    next();
  });
  return clients;
}

/**
 * Starts waiting for `count` events on every client; resolves when all are in, or after `timeoutMs`
 * with the incomplete ones marked (doneAt 0).
 */
export function awaitEvents(clients, count, timeoutMs) {
  return new Promise((resolve) => {
    let left = clients.length;
    const timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
    const onDone = () => {
      if (--left === 0) {
        clearTimeout(timer);
        resolve({ timedOut: false });
      }
    };
    for (const client of clients) client.expect(count, onDone);
    if (count === 0 || clients.length === 0) {
      clearTimeout(timer);
      resolve({ timedOut: false });
    }
  });
}

/** Closes every connection from the client side. */
export function closeClients(clients) {
  for (const client of clients) client.socket?.destroy();
}
