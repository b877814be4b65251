// A user's nodenext program that imports @ssekit/express from an ES module and from a CommonJS
// module loads both published type entries (index.d.ts and index.d.cts): each declares `res.sse`,
// and TypeScript accepts the two declarations only if they are identical (else TS2717). Checked
// against the BUILT package, as users get it: run `pnpm build` first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

it('types res.sse in one nodenext program that has both .mts and .cts files', async () => {
  expect(existsSync(`${packageDir}dist/index.d.cts`), 'build the packages first (pnpm build)').toBe(true);
  const output = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', 'dual-package/tsconfig.json'],
      { cwd: packageDir, timeout: 60_000 },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
  expect(output).toBe('');
}, 70_000);
