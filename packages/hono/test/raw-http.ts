import { connect, type Socket } from 'node:net';

/**
 * Sends `HEAD headPath`, then, on the same connection once the HEAD answer is in, `GET getPath`
 * (as `curl -I URL --next URL2` does, or a browser reusing a connection); returns both answers
 * as text. Rejects when either does not arrive within 2 s or the connection closes first.
 */
export async function headThenGet(
  baseUrl: string,
  headPath: string,
  getPath: string,
): Promise<{ head: string; next: string }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  try {
    socket.write(`HEAD ${headPath} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    const head = await readUntil(socket, /\r\n\r\n/);
    socket.write(`GET ${getPath} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    // A whole answer: its head, then the body its Content-Length announces.
    const next = await readUntil(socket, (text) => {
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      return end >= 0 && length !== null && text.length >= end + 4 + Number(length[1]);
    });
    return { head, next };
  } finally {
    socket.destroy();
  }
}

/** Reads from `socket` until what arrived is `complete`; returns all of it. */
function readUntil(socket: Socket, complete: RegExp | ((text: string) => boolean)): Promise<string> {
  const isComplete = typeof complete === 'function' ? complete : (text: string) => complete.test(text);
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => done(new Error(`incomplete answer after 2 s: ${JSON.stringify(text)}`)),
      2000,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (isComplete(text)) done();
    };
    const onEnd = () => done(new Error(`connection closed after ${JSON.stringify(text)}`));
    function done(error?: Error) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', done);
      if (error) reject(error);
      else resolve(text);
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', done);
  });
}
