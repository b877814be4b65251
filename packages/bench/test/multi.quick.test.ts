import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs `pnpm bench --multi-only --quick` as a child process (the built packages, redis-server and
// nats-server needed) and checks that every trial ran to the end: every event reached every client,
// on one instance and across instances through Redis and NATS, and no send failed. Timings are
// never asserted: this is a smoke test of the harness, not a benchmark.

interface Trial {
  scenario?: string;
  engine: string;
  k?: number;
  error?: string;
  complete: boolean;
  deliveries?: number;
  expected?: number;
  sendErrors?: number;
}

/** Whether `name` is installed (on PATH, or in /usr/sbin where Debian puts nats-server). */
const installed = (name: string) =>
  spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`]).status === 0;
const servers = installed('redis-server') && installed('nats-server');
// CI installs both (.ci/run): there a missing one fails the test instead of skipping it.
if (!servers && process.env.CI !== 'true')
  console.warn('[@ssekit/bench] Skipping --multi-only: redis-server or nats-server is not installed.');

describe.skipIf(!servers && process.env.CI !== 'true')('pnpm bench --multi-only --quick', () => {
  it('delivers every event to every client in every trial', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssekit-bench-multi-'));
    try {
      const json = join(dir, 'results.json');
      const script = fileURLToPath(new URL('../bench.sh', import.meta.url));
      const run = spawnSync('sh', [script, '--multi-only', '--quick', '--json', json], {
        encoding: 'utf8',
        timeout: 290_000,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      const { multi, sustained } = JSON.parse(readFileSync(json, 'utf8')) as {
        multi: Trial[];
        sustained: Trial[];
      };
      expect(multi.map((t) => `${t.engine} ${t.k}`)).toEqual([
        'in-process 1',
        'Redis 1',
        'Redis 2',
        'NATS JetStream 1',
        'NATS JetStream 2',
      ]);
      expect(sustained.map((t) => t.scenario)).toEqual([
        'ssekit-express',
        'ssekit-fastify',
        'better-sse',
        'fastify-sse',
      ]);
      for (const t of [...multi, ...sustained]) {
        const what = `${t.scenario} ${t.engine} K=${t.k}`;
        expect(t.error, what).toBeUndefined();
        expect(t.complete, what).toBe(true);
        expect(t.deliveries, what).toBe(t.expected);
        expect(t.expected, what).toBeGreaterThan(0);
        expect(t.sendErrors, what).toBe(0);
      }
      // The report names the multi-instance rows and the one-instance comparison.
      expect(run.stdout).toContain('## Multi-instance');
      expect(run.stdout).toContain('## Sustained rate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
