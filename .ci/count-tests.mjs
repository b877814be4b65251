// Sums the Vitest JSON reports in a folder and prints "N passed, N failed".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2] ?? 'reports';
let passed = 0;
let failed = 0;
let files = [];
try {
  files = readdirSync(folder).filter((name) => name.endsWith('.json'));
} catch {
  // No reports: nothing ran, and the line below says so.
}
for (const name of files) {
  const report = JSON.parse(readFileSync(join(folder, name), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
}
console.log(`${passed} passed, ${failed} failed`);
