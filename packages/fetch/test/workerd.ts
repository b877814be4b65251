import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '@ssekit/conformance';
import { runtimeBinary, startChildServer } from '@ssekit/test-kit';
import { build } from 'esbuild';
import { packageRoot } from './child-server.js';

/**
 * The date the Worker runs at, and the flag that makes `request.signal` abort when the client
 * leaves (Workers leave it unaborted without `enable_request_signal`).
 */
const COMPATIBILITY = { date: '2026-11-01', flags: ['enable_request_signal'] };

/**
 * Starts fixtures/server.worker.ts on workerd (the runtime of Cloudflare Workers, from the npm
 * package `pnpm runtimes` installs): bundled with esbuild against the built packages, as wrangler
 * would, and served on 127.0.0.1 at a free port, which workerd reports on its control descriptor.
 */
export async function startWorkerd(): Promise<RunningServer & { output(): string }> {
  const folder = await mkdtemp(join(tmpdir(), 'ssekit-workerd-'));
  await build({
    absWorkingDir: packageRoot,
    entryPoints: ['test/fixtures/server.worker.ts'],
    outfile: join(folder, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  await writeFile(
    join(folder, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [(name = "worker.js", esModule = embed "worker.js")],
    compatibilityDate = "${COMPATIBILITY.date}",
    compatibilityFlags = [${COMPATIBILITY.flags.map((flag) => `"${flag}"`).join(', ')}],
  ))],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
`,
  );
  const child = await startChildServer(
    runtimeBinary('workerd'),
    ['serve', join(folder, 'config.capnp'), '--control-fd=1'],
    { cwd: folder, listening: /"event":"listen","socket":"http","port":(\d+)/ },
  );
  const close = async () => {
    await child.close();
    await rm(folder, { recursive: true, force: true });
  };
  return {
    url: child.url,
    output: child.output,
    close,
    // A Worker is never told to shut down: drain through a route, then stop the runtime.
    async shutdown() {
      const response = await fetch(`${child.url}/runtime/drain`);
      if ((await response.text()) !== 'drained') throw new Error(`drain failed: ${response.status}`);
      await close();
    },
  };
}
