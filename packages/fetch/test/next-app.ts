import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildServer, startChildServer } from '@ssekit/test-kit';
import { packageRoot } from './child-server.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** Next.js, React and React's types: installed by `pnpm runtimes` (.ci/runtimes), never by `pnpm install`. */
const runtimesModules = join(repoRoot, '.ci/runtimes/node_modules');
/** How long `next build` may take: about 40 s on a quiet 2-core machine. */
const BUILD_TIMEOUT_MS = 110_000;

/** The app's node_modules: each package name, and the folder it links to. */
const LINKS: Array<[name: string, folder: string]> = [
  ...['next', 'react', 'react-dom', '@types/react'].map((name): [string, string] => [
    name,
    join(runtimesModules, name),
  ]),
  // Next.js checks a TypeScript app's setup and would install these if they were missing.
  ...['typescript', '@types/node'].map((name): [string, string] => [
    name,
    join(repoRoot, 'node_modules', name),
  ]),
  // The built package, as an app installs it.
  ['@ssekit/fetch', packageRoot],
];

/** A built and started Next.js app (test/next-app) in a temporary folder. */
export interface NextServer extends ChildServer {
  /** Stops the server and removes the folder. */
  close(): Promise<void>;
}

/**
 * Copies test/next-app to a temporary folder, links its dependencies into it, runs `next build`
 * (webpack, which follows links out of the app's folder; telemetry off, nothing downloaded) on
 * the Node running the tests, then `next start` on 127.0.0.1 at a free port.
 */
export async function buildAndStartNextApp(): Promise<NextServer> {
  const folder = await mkdtemp(join(tmpdir(), 'ssekit-next-'));
  try {
    await cp(join(packageRoot, 'test/next-app'), folder, { recursive: true });
    await mkdir(join(folder, 'node_modules/@types'), { recursive: true });
    await mkdir(join(folder, 'node_modules/@ssekit'), { recursive: true });
    for (const [name, target] of LINKS) {
      await symlink(await realpath(target), join(folder, 'node_modules', name), 'dir');
    }
    const next = join(folder, 'node_modules/next/dist/bin/next');
    await run(process.execPath, [next, 'build', '--webpack'], folder, BUILD_TIMEOUT_MS);
    const server = await startChildServer(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', '0'], {
      cwd: folder,
      env: { NEXT_TELEMETRY_DISABLED: '1' },
      listening: /Local:\s+http:\/\/127\.0\.0\.1:(\d+)/,
    });
    return {
      ...server,
      async close() {
        await server.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

/** Runs `command args` in `cwd` to its end; rejects with its output if it fails or outlasts `timeoutMs`. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${args.slice(1).join(' ')} failed (code ${code}, signal ${signal})\n${output}`));
    });
  });
}
