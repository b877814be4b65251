import { defineConfig } from 'tsup';

/**
 * The one build every published package shares (each runs `tsup --config ../../tsup.config.ts` from its
 * own folder): ESM and CJS with type declarations for each, from `src/index.ts`.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  tsconfig: '../../tsconfig.build.json',
});
