import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../src/scenarios.mjs';

// Runs `pnpm bench --quick` as a child process (it needs the built packages: `pnpm build`) and
// checks that it ran to the end and that every scenario delivered every event to every client.
// Timings are never asserted: this is a smoke test of the harness, not a benchmark.

interface Trial {
  scenario: string;
  error?: string;
  complete?: boolean;
  eventsReceived?: number;
  eventsExpected?: number;
  released?: boolean;
}

describe('pnpm bench --quick', () => {
  it('completes, and every scenario delivers every event to every client', { timeout: 240_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssekit-bench-'));
    try {
      const json = join(dir, 'results.json');
      const script = fileURLToPath(new URL('../bench.sh', import.meta.url));
      const run = spawnSync('sh', [script, '--quick', '--json', json], {
        encoding: 'utf8',
        timeout: 230_000,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('Every scenario delivered every event to every client.');

      const results = JSON.parse(readFileSync(json, 'utf8')) as { fanout: Trial[]; single: Trial[] };
      for (const list of [results.fanout, results.single]) {
        expect(list.map((t) => t.scenario).sort()).toEqual([...SCENARIOS].sort());
        for (const t of list) {
          expect(t.error, t.scenario).toBeUndefined();
          expect(t.complete, t.scenario).toBe(true);
          expect(t.eventsReceived, t.scenario).toBe(t.eventsExpected);
        }
      }
      for (const t of results.fanout) expect(t.released, `${t.scenario} released its connections`).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
