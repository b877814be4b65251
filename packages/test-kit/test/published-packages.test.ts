// What a registry page shows of each published package must stand alone: its README is rendered
// without the repository around it, so a relative link (`../core/README.md`, `examples/x.mjs` when
// only dist/ is published) is dead there; and the files and fields a user looks for are present.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../..', import.meta.url));

/** The folders of packages/ whose package.json is not private, i.e. what `changeset publish` publishes. */
const published = readdirSync(packagesDir).filter((name) => {
  const manifest = join(packagesDir, name, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
});

/** Markdown link targets that are neither absolute URLs nor anchors within the same page. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target));
}

describe('published packages', () => {
  it('are found', () => {
    expect(published).toEqual(expect.arrayContaining(['core', 'express', 'koa', 'hono', 'client']));
  });

  it.each(published)('%s: the README links only to absolute URLs or its own headings', (name) => {
    const readme = readFileSync(join(packagesDir, name, 'README.md'), 'utf8');
    expect(relativeLinks(readme)).toEqual([]);
  });

  it.each(published)('%s: LICENSE, CHANGELOG.md, repository, homepage and bugs', (name) => {
    const dir = join(packagesDir, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(existsSync(join(dir, 'LICENSE'))).toBe(true);
    expect(existsSync(join(dir, 'CHANGELOG.md'))).toBe(true);
    expect(manifest).toMatchObject({
      license: 'MIT',
      repository: { directory: `packages/${name}` },
      homepage: expect.stringContaining(`packages/${name}`),
      bugs: { url: expect.stringMatching(/^https:/) },
    });
  });
});
