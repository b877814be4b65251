import { defineConfig } from 'tsup';

// One runnable file for `pnpm demo`; every dependency (the ssekit packages included) stays external,
// so it runs against the packages' own builds.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
