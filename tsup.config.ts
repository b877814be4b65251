import { defineConfig } from 'tsup';

/**
 * The one build every published package shares (each runs `tsup --config ../../tsup.config.ts` from its
 * own folder): ESM and CJS with type declarations for each, from `src/index.ts` and, where a package
 * has one, `src/internal.ts` (its `./internal` subpath). Code both entries use goes into shared chunks,
 * in CJS too, so a module's state (a scheduler, a pool) exists once however the package is entered.
 */
export default defineConfig({
  entry: ['src/{index,internal}.ts'],
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  tsconfig: '../../tsconfig.build.json',
});
