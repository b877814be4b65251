import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runtimeBinary } from '@ssekit/test-kit';

/** The package root: children run there so they resolve everything from its node_modules. */
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The runtimes the tests start as child processes (`pnpm runtimes` installs them). */
export const runtimes = {
  bun: {
    name: 'bun',
    command: runtimeBinary('bun'),
    args: (mode: string, ...rest: string[]) => [
      // Resolve from node_modules only, never fetch a missing package.
      '--no-install',
      // Bun honours tsconfig "paths", and the root tsconfig maps @ssekit/* to their sources: this one
      // has none, so the child loads the built packages, as users do.
      '--tsconfig-override=test/fixtures/tsconfig.runtime.json',
      'test/fixtures/server.bun.ts',
      mode,
      ...rest,
    ],
  },
  deno: {
    name: 'deno',
    command: runtimeBinary('deno'),
    args: (mode: string, ...rest: string[]) => [
      'run',
      // Offline and from the existing node_modules only; no config or lock file is read or written.
      '--no-config',
      '--no-lock',
      '--no-remote',
      '--cached-only',
      '--node-modules-dir=manual',
      // The workspace's TypeScript imports `./x.js` for `./x.ts`, as the Bundler resolution allows.
      '--sloppy-imports',
      '--allow-net=127.0.0.1',
      '--allow-read',
      '--allow-env',
      'test/fixtures/server.deno.ts',
      mode,
      ...rest,
    ],
  },
} as const;

/** A server running in a child process. */
export interface ChildServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Everything the child wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** Kills the child and waits until it has exited. Safe to call more than once. */
  close(): Promise<void>;
  /**
   * Sends SIGTERM and waits for the child to shut itself down (drain, graceful stop, exit 0).
   * Rejects, and kills it, if it has not exited with code 0 within `timeoutMs`.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test run that ends abruptly must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns `command args` in the package root and resolves once it prints `LISTENING <port>` on a
 * line of its own. Rejects (and kills the child) if it exits first or takes longer than `timeoutMs`.
 */
export function startChildServer(command: string, args: string[], timeoutMs = 20_000): Promise<ChildServer> {
  const child = spawn(command, args, {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', DO_NOT_TRACK: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let output = '';
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(force);
    }
  };

  const shutdown = async (waitMs = 5_000) => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
    await exited;
    clearTimeout(timer);
    if (child.exitCode !== 0) {
      throw new Error(
        `did not shut down by itself (code ${child.exitCode}, signal ${child.signalCode})\n${output}`,
      );
    }
  };

  return new Promise<ChildServer>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void close().then(() => reject(new Error(`${why}\n--- output of ${command} ---\n${output}`)));
    };
    const timer = setTimeout(() => fail(`no LISTENING line within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    const onEarlyExit = (code: number | null, signal: string | null) =>
      fail(`exited before listening (code ${code}, signal ${signal})`);
    child.once('exit', onEarlyExit);
    let stdout = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      stdout += text;
      const port = /^LISTENING (\d+)$/m.exec(stdout)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({ url: `http://127.0.0.1:${port}`, output: () => output, close, shutdown });
    });
  });
}
