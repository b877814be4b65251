// Servers the runtime suites start as child processes (Bun, Deno, workerd, Next.js), each of which
// prints its port once it accepts connections.
import { type ChildProcess, spawn } from 'node:child_process';

/** A server running in a child process. */
export interface ChildServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The child's process id, to pause it (SIGSTOP) as a stalled host would be. */
  pid: number;
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
 * Spawns `command args` in `cwd` (a package root, so the child resolves everything from its
 * node_modules) and resolves once it prints `LISTENING <port>` on a line of its own (or what
 * `listening` matches, the port its first group). Rejects (and kills the child) if it exits first or
 * takes longer than `timeoutMs`.
 */
export function startChildServer(
  command: string,
  args: string[],
  {
    cwd,
    timeoutMs = 20_000,
    env = {},
    listening = /^LISTENING (\d+)$/m,
  }: { cwd: string; timeoutMs?: number; env?: Record<string, string>; listening?: RegExp },
): Promise<ChildServer> {
  const child = spawn(command, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      NO_COLOR: '1',
      DO_NOT_TRACK: '1',
      DENO_NO_UPDATE_CHECK: '1',
      DENO_NO_PROMPT: '1',
    },
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
    const timer = setTimeout(() => fail(`no ${listening} line within ${timeoutMs} ms`), timeoutMs);
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
      const port = listening.exec(stdout)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        url: `http://127.0.0.1:${port}`,
        pid: child.pid as number,
        output: () => output,
        close,
        shutdown,
      });
    });
  });
}
