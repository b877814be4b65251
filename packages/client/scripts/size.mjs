// The min+gzip size of the client's entry as a browser bundler builds it (esbuild, tree-shaken, from
// the BUILT packages: `pnpm build` first), beside the two clients it replaces. `node scripts/size.mjs`
// prints one line per bundle; test/size.test.ts holds the entry to its budget.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** What each bundle imports; every one is resolved from this package's node_modules. */
export const BUNDLES = {
  '@ssekit/client (whole entry)': "export * from '@ssekit/client';",
  '@ssekit/client (connect only)': "export { connect } from '@ssekit/client';",
  '@microsoft/fetch-event-source': "export * from '@microsoft/fetch-event-source';",
  eventsource: "export * from 'eventsource';",
};

/** Bundles `contents` for the browser, minified; returns its size and gzipped size in bytes. */
export async function bundleSize(contents) {
  const result = await build({
    stdin: { contents, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // Not the repo's tsconfig.json: its paths point @ssekit/* at the sources, which users never get.
    tsconfigRaw: {},
  });
  const bytes = result.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, contents] of Object.entries(BUNDLES)) {
    const { min, gzip } = await bundleSize(contents);
    console.log(`${name}: ${min} B min, ${gzip} B min+gzip`);
  }
}
