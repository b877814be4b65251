import { defineConfig, type Options } from 'tsup';
import shared from '../../tsup.config.js';

// The shared build, with a second entry for the `@ssekit/client/testing` subpath.
export default defineConfig({ ...(shared as Options), entry: ['src/index.ts', 'src/testing.ts'] });
