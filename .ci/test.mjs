// `pnpm test`: runs every suite even when one fails (a failure must not hide the ones after it), then
// says which failed and ends with one total line, "N passed, N failed", over every Vitest report.
// Exits non-zero if any step failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { countTests } from './count-tests.mjs';

/** Each step is a root script; the order is the order a failure is easiest to read in. */
const ALL_STEPS = [
  'typecheck',
  'lint',
  'build',
  'check:packages',
  'api:check',
  'runtimes',
  'test:unit',
  'test:node24',
];
// `node .ci/test.mjs lint test:unit` runs only the steps named, the same way.
const STEPS = process.argv.length > 2 ? process.argv.slice(2) : ALL_STEPS;

// Only this run's reports may count: Vitest writes one per Node major, a stale one would add up.
mkdirSync('reports', { recursive: true });
for (const name of readdirSync('reports')) {
  if (name.startsWith('vitest-') && name.endsWith('.json')) rmSync(`reports/${name}`);
}

const failedSteps = [];
for (const step of STEPS) {
  console.log(`\n▶ pnpm ${step}`);
  const { status } = spawnSync('pnpm', ['run', step], { stdio: 'inherit' });
  if (status !== 0) failedSteps.push(step);
}

console.log('');
console.log(failedSteps.length === 0 ? 'Every step passed.' : `Failed steps: ${failedSteps.join(', ')}`);
const { passed, failed } = countTests('reports');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedSteps.length === 0 ? 0 : 1);
