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
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
