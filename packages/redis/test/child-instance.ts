// Server instances as child processes (test/fixtures/instance.mjs), each with its own connections
// to Redis: the scale-out tests run real separate processes, as a deployment does.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!name.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/**
 * The children load the built packages. CI builds before testing; locally, a missing or outdated
 * build of core or redis is rebuilt here once.
 */
export function ensureBuilt(): void {
  const stale = ['core', 'redis'].filter((pkg) => {
    const built = join(packagesDir, pkg, 'dist', 'index.js');
    return !existsSync(built) || statSync(built).mtimeMs < newestSource(join(packagesDir, pkg, 'src'));
  });
  if (stale.length === 0) return;
  const filters = stale.flatMap((pkg) => ['--filter', `@ssekit/${pkg}`]);
  execFileSync('pnpm', [...filters, 'build'], { cwd: packagesDir, stdio: 'ignore' });
}

/** An instance process. */
export interface ChildInstance {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The process id, to pause the instance (SIGSTOP) as a stalled host would be. */
  pid: number;
  /** GETs JSON from `path`. */
  get<T>(path: string): Promise<T>;
  /** What it printed, for failure messages. */
  output(): string;
  /** POSTs JSON to `path` and returns the JSON answer. */
  post<T>(path: string, body: unknown): Promise<T>;
  /**
   * Closes its stdin, which makes it close its channel and server, and waits for it to exit.
   * Resolves to whether it exited by itself (within 3 s) rather than having to be killed.
   */
  close(): Promise<boolean>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startInstance(
  env: Record<string, string>,
  timeoutMs = 10_000,
  nodeArgs: string[] = [],
): Promise<ChildInstance> {
  const child = spawn(process.execPath, [...nodeArgs, 'test/fixtures/instance.mjs'], {
    cwd: packageRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });

  const close = async (): Promise<boolean> => {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    child.stdin?.end();
    let byItself = true;
    const force = setTimeout(() => {
      byItself = false;
      child.kill('SIGKILL');
    }, 3_000);
    await exited;
    clearTimeout(force);
    return byItself;
  };

  return new Promise<ChildInstance>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void close().then(() => reject(new Error(`${why}\n--- instance output ---\n${output}`)));
    };
    const timer = setTimeout(() => fail(`no LISTENING line within ${timeoutMs} ms`), timeoutMs);
    const onEarlyExit = (code: number | null) => fail(`exited before listening (code ${code})`);
    child.once('exit', onEarlyExit);
    let listening = false;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const port = /^LISTENING (\d+)$/m.exec(output)?.[1];
      if (port === undefined || listening) return;
      listening = true;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      const url = `http://127.0.0.1:${port}`;
      resolve({
        url,
        pid: child.pid as number,
        async get(path) {
          return (await fetch(`${url}${path}`)).json();
        },
        output: () => output,
        async post(path, body) {
          const response = await fetch(`${url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return response.json();
        },
        close,
      });
    });
  });
}
