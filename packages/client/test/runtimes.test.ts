// The built client in Node 24, Bun and Deno child processes, against a server in this process: it
// receives typed events and resumes by Last-Event-ID after the server drops it, in every runtime.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childRuntimes, runtimeBinary, waitFor } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppState, createState, type RunningApp, startApp } from './servers.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const script = 'test/fixtures/client.mjs';

const runtimes = [
  { name: 'node 24', command: () => runtimeBinary('node24'), args: (...args: string[]) => args },
  childRuntimes.bun,
  childRuntimes.deno,
];

describe.each(runtimes)('the built client on $name', (runtime) => {
  let state: AppState;
  let app: RunningApp;
  beforeAll(async () => {
    state = createState();
    app = await startApp('node:http', state);
  });
  afterAll(() => app?.close());

  it('reads events and resumes after the server drops the connection', async () => {
    const child = spawn(runtime.command(), runtime.args(script, `${app.url}/events`, '2'), {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = () => output.split('\n');
      await waitFor(
        () => state.channel.size === 1 && lines().includes('OPEN'),
        `the child opened: ${output}`,
        15_000,
      );
      const first = await state.channel.send({ n: 1 }, { event: 'tick' });
      await waitFor(() => output.includes('EVENT'), 'the first event');
      for (const stream of state.open) stream.close();
      await waitFor(() => lines().filter((line) => line === 'OPEN').length === 2, 'the reconnection');
      await waitFor(() => state.channel.size === 1, 'the client rejoined');
      await state.channel.send({ n: 2 }, { event: 'tick' });
      expect(await exited).toBe(0);
      const events = lines()
        .filter((line) => line.startsWith('EVENT '))
        .map((line) => JSON.parse(line.slice(6)));
      expect(events.map(({ type, data }) => ({ type, data }))).toEqual([
        { type: 'tick', data: { n: 1 } },
        { type: 'tick', data: { n: 2 } },
      ]);
      expect(state.lastEventIds).toEqual([null, first]);
      expect(lines()).toContain('CLOSED closed');
    } finally {
      child.kill();
    }
  }, 30_000);
});
