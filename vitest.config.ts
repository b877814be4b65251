import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // In-process tests run against the sources; child processes (Bun, Deno) load the built packages.
    alias: {
      '@ssekit/core': source('core'),
      '@ssekit/express': source('express'),
      '@ssekit/koa': source('koa'),
      '@ssekit/hono': source('hono'),
      '@ssekit/redis': source('redis'),
    },
  },
  test: {
    // The JSON report is what CI sums into its closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: `reports/vitest-node${process.versions.node.split('.')[0]}.json` },
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
