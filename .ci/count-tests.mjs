// Sums the Vitest JSON reports in a folder into "N passed, N failed": `pnpm test` prints it as its
// total, and `.ci/run` ends with it. Run directly, it prints the line for the folder it is given.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tests passed and failed (a file that failed to load counts as one failure) over every report. */
export function countTests(folder = 'reports') {
  let passed = 0;
  let failed = 0;
  let files = [];
  try {
    files = readdirSync(folder).filter((name) => name.endsWith('.json'));
  } catch {
    // No reports: nothing ran, and the counts say so.
  }
  for (const name of files) {
    const report = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  }
  return { passed, failed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { passed, failed } = countTests(process.argv[2]);
  console.log(`${passed} passed, ${failed} failed`);
}
