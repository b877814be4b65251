import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // In-process tests run against the sources, through the one alias list: the root tsconfig.json's
    // "paths". Child processes (Bun, Deno) load the built packages.
    tsconfigPaths: true,
  },
  test: {
    // The JSON report is what `pnpm test` and CI sum into their closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: `reports/vitest-node${process.versions.node.split('.')[0]}.json` },
    // One layout: every package's tests are in its test/ folder; src/ holds only what is built.
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
