// The public-API report of every published package, with API Extractor: `pnpm api:check` fails when a
// package's built surface (dist/index.d.ts) differs from its committed etc/<name>.api.md, so the
// surface changes only on purpose; `pnpm api:update` rewrites the reports after such a change.
// One configuration, here, for all five packages. Needs `pnpm build` first.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const PACKAGES = ['core', 'express', 'koa', 'hono', 'redis', 'fastify', 'fetch', 'client', 'otel', 'nats'];
const update = process.argv.includes('--update');
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

let changed = 0;
for (const name of PACKAGES) {
  const folder = join(root, 'packages', name);
  const entry = join(folder, 'dist/index.d.ts');
  if (!existsSync(entry)) {
    console.error(`@ssekit/${name}: no ${entry}; run \`pnpm build\` first.`);
    changed++;
    continue;
  }
  mkdirSync(join(folder, 'etc'), { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: folder,
      mainEntryPointFilePath: entry,
      bundledPackages: [],
      compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
      apiReport: {
        enabled: true,
        reportFolder: join(folder, 'etc'),
        reportTempFolder: join(root, 'reports/api'),
        reportFileName: '<unscopedPackageName>',
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The packages do not use @public/@beta release tags: everything exported is public.
        extractorMessageReporting: { 'ae-missing-release-tag': { logLevel: 'none' } },
      },
    },
    configObjectFullPath: join(folder, 'api-extractor.json'),
    packageJsonFullPath: join(folder, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (result.apiReportChanged) {
    changed++;
    console.error(
      update
        ? `@ssekit/${name}: etc/${name}.api.md updated.`
        : `@ssekit/${name}: the public API differs from etc/${name}.api.md (see reports/api/${name}.api.md); if the change is meant, run \`pnpm api:update\` and commit the report.`,
    );
  } else if (!result.succeeded) {
    changed++;
  }
}
process.exit(update || changed === 0 ? 0 : 1);
