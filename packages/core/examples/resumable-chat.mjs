// A resumable answer on plain node:http: `node examples/resumable-chat.mjs [port]`, then
//   curl -N -X POST 'http://127.0.0.1:3000/chat?id=abc'              (starts and streams)
//   curl -N -H 'Last-Event-ID: <an id>' http://127.0.0.1:3000/chat/abc/stream   (resumes)
//   curl -X POST http://127.0.0.1:3000/chat/abc/cancel                (stops it, for every reader)
import { createServer } from 'node:http';
import { createResumable, nodeAnswer } from '@ssekit/core';

const answers = createResumable({ ttl: 10 * 60_000 });

/** A fake model: one word every 50 ms; it stops when its signal aborts (cancel, not a reload). */
async function* generate(prompt, signal) {
  for (const word of `You asked: ${prompt}. Here is a long answer, word by word.`.split(' ')) {
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
    yield `${word} `;
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [, chat, id, action] = url.pathname.split('/');
  let route;
  if (chat === 'chat' && id === undefined && req.method === 'POST') {
    const streamId = url.searchParams.get('id') ?? crypto.randomUUID();
    const prompt = url.searchParams.get('prompt') ?? 'nothing';
    route = { kind: 'start', streamId, producer: ({ signal }) => generate(prompt, signal) };
  } else if (chat === 'chat' && action === 'stream') route = { kind: 'resume', streamId: id };
  else if (chat === 'chat' && action === 'cancel' && req.method === 'POST')
    route = { kind: 'cancel', streamId: id };
  if (!route) return void res.writeHead(404).end();
  // Decides 200 (the stream), 204 or 404 first, then writes it; a bad stream id rejects.
  nodeAnswer(answers, route, req).then(
    (write) => write(res),
    (error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(error.message),
  );
});

server.listen(Number(process.argv[2] ?? 3000), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
