// `pnpm test` (.ci/test.mjs) in a scratch project whose scripts pass, fail and write Vitest-shaped
// reports: a failing step must not hide the steps after it, and the run ends with one total line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('../../../.ci/test.mjs', import.meta.url));
let folder = '';

afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** A project with these scripts; `report(name, passed, failed)` writes a Vitest-like JSON report. */
function project(scripts: Record<string, string>): string {
  folder = mkdtempSync(join(tmpdir(), 'ssekit-test-runner-'));
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'scratch', private: true, scripts }));
  writeFileSync(
    join(folder, 'report.mjs'),
    `import { mkdirSync, writeFileSync } from 'node:fs';
const [name, passed, failed] = process.argv.slice(2);
mkdirSync('reports', { recursive: true });
writeFileSync('reports/vitest-' + name + '.json', JSON.stringify({ numPassedTests: +passed, numFailedTests: +failed }));
process.exit(+failed > 0 ? 1 : 0);`,
  );
  return folder;
}

function run(cwd: string, steps: string[]) {
  const result = spawnSync('node', [runner, ...steps], { cwd, encoding: 'utf8' });
  const lines = result.stdout.trim().split('\n');
  return { status: result.status, stdout: result.stdout, last: lines.at(-1) };
}

// Each step starts pnpm, a few seconds apiece on a loaded machine.
describe('pnpm test (.ci/test.mjs)', { timeout: 60_000 }, () => {
  it('runs every step after a failed one, names the failures, sums every report and exits 1', () => {
    const cwd = project({
      lint: 'exit 3',
      unit: 'node report.mjs unit 5 1',
      node24: 'node report.mjs node24 7 0',
    });
    const { status, stdout, last } = run(cwd, ['lint', 'unit', 'node24']);
    expect(stdout).toContain('▶ pnpm node24');
    expect(stdout).toContain('Failed steps: lint, unit');
    expect(last).toBe('12 passed, 1 failed');
    expect(status).toBe(1);
  });

  it('exits 0 when every step passed, and counts only the reports of this run', () => {
    const cwd = project({ unit: 'node report.mjs unit 4 0' });
    // A report left by an earlier run under another Node must not be added in.
    spawnSync('node', ['report.mjs', 'node18', '100', '9'], { cwd });
    const { status, last } = run(cwd, ['unit']);
    expect(last).toBe('4 passed, 0 failed');
    expect(status).toBe(0);
  });
});
