// Issue 11 item 1: a client that stops reading may keep alive at most 1.25 × maxBufferedBytes (and a
// small constant), on every transport, for per-stream sends and channel broadcasts from 1 B to
// 64 KiB. Each transport runs in a child process with --expose-gc (test/fixtures/stuck-client.mjs),
// which reads live heap + arrayBuffers when the stuck client is just short of being dropped.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const BOUND = 1024 * 1024;
/** Room for what is not the stuck client's: compiled code, the reader sockets, one slab in use. */
const CONSTANT = 256 * 1024;

interface CaseResult {
  case: string;
  charged: number;
  held: number;
  dropped: boolean;
}

async function runFixture(transport: string): Promise<CaseResult[]> {
  const child = spawn(process.execPath, ['--expose-gc', 'test/fixtures/stuck-client.mjs', transport], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`stuck-client.mjs ${transport} exited with ${code}:\n${err}`);
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CaseResult);
}

describe('memory a client that stops reading keeps alive', () => {
  // The child loads the built package: build what is being tested.
  beforeAll(() => {
    execFileSync('pnpm', ['--filter', '@ssekit/core', 'build'], { cwd: packageRoot, stdio: 'ignore' });
  }, 120_000);

  it.each([
    ['direct socket writes (node:http, HTTP/1.1)', 'direct'],
    ['response.write (node:http, HTTP/1.0)', 'write'],
    ['a web-stream body pumped into a node:http response', 'web'],
  ])(
    'stays within 1.25 × maxBufferedBytes on %s',
    async (_name, transport) => {
      const results = await runFixture(transport);
      expect(results.map((result) => result.case)).toHaveLength(7);
      for (const result of results) {
        // The stuck client was filled close to its bound, and not dropped yet.
        expect(result, result.case).toMatchObject({ dropped: false });
        expect(result.charged, result.case).toBeGreaterThan(BOUND * 0.75);
        expect(
          result.held,
          `${result.case}: held ${result.held} B for ${result.charged} B charged`,
        ).toBeLessThanOrEqual(1.25 * BOUND + CONSTANT);
      }
    },
    180_000,
  );
});
