// The README's runnable example (examples/resumable-chat.mjs), run as users would run it: against
// the built package, in a process of its own, driven over HTTP.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ChildServer, connect, startChildServer } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/resumable-chat.mjs', () => {
  let server: ChildServer | undefined;
  beforeAll(async () => {
    // The child loads the built package: build what is being tested.
    execFileSync('pnpm', ['--filter', '@ssekit/core', 'build'], { cwd: packageRoot, stdio: 'ignore' });
    server = await startChildServer(process.execPath, ['examples/resumable-chat.mjs', '0'], {
      cwd: packageRoot,
    });
  }, 180_000);
  afterAll(() => server?.close());

  it('streams an answer, resumes it after a reload, and cancels another', async () => {
    const url = (server as ChildServer).url;
    const first = await connect(`${url}/chat?id=example-1&prompt=hi`, {}, 'POST');
    const seen = [await first.next(), await first.next()];
    first.leave();
    const resumed = await connect(`${url}/chat/example-1/stream`, {
      'last-event-id': seen[1]?.lastEventId ?? '',
    });
    const rest = await resumed.rest();
    const words = [...seen, ...rest.slice(0, -1)].map((event) => event?.data).join('');
    expect(words).toBe('You asked: hi. Here is a long answer, word by word. ');
    expect(rest.at(-1)).toMatchObject({ type: 'ssekit-end', data: '{"state":"done"}' });

    const other = await connect(`${url}/chat?id=example-2`, {}, 'POST');
    await other.next();
    expect(await (await fetch(`${url}/chat/example-2/cancel`, { method: 'POST' })).json()).toEqual({
      cancelled: true,
    });
    expect((await other.rest()).at(-1)).toMatchObject({
      type: 'ssekit-end',
      data: '{"state":"cancelled","reason":"request"}',
    });
    expect((await fetch(`${url}/chat/nope/stream`)).status).toBe(404);
  });
});
