// A user's nodenext program that imports @ssekit/fastify from an ES module and from a CommonJS
// module loads both published type entries (index.d.ts and index.d.cts): each declares
// `reply.sse`, `app.sse` and `config.sse`, and TypeScript accepts the two declarations only if
// they are identical (else TS2717). Checked against the BUILT package, as users get it: run
// `pnpm build` first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { typecheckProgram } from '@ssekit/test-kit';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('types reply.sse in one nodenext program that has both .mts and .cts files', async () => {
  expect(existsSync(`${packageDir}dist/index.d.cts`), 'build the packages first (pnpm build)').toBe(true);
  expect(await typecheckProgram(packageDir, 'dual-package/tsconfig.json')).toBe('');
}, 70_000);
