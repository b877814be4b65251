// Issue 13, the parser: a server that sends an endless line (in large or small chunks) or an
// endless block (of long or of the shortest data lines) makes the parser throw
// ERR_SSE_EVENT_TOO_LARGE once it holds maxEventBytes, and it holds about that much memory, not
// more. Run in a child process with --expose-gc (test/fixtures/endless-event.mjs), which reads
// live heap + arrayBuffers as it feeds.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
/** Room for what is not the parser's held text: compiled code, the chunk being decoded. */
const CONSTANT = 512 * 1024;
/**
 * What a held event may cost beyond its text: the structure of the strings it is built of (V8
 * ropes, flattened by the parser once they could outweigh the text).
 */
const STRUCTURE = 1.5;

interface CaseResult {
  case: string;
  bound: number;
  fed: number;
  events: number;
  code?: string;
  again?: string;
  peak: number;
  after: number;
}

describe('memory a parser holds for a hostile server', () => {
  // The child loads the built package: build what is being tested.
  beforeAll(() => {
    execFileSync('pnpm', ['--filter', '@ssekit/core', 'build'], { cwd: packageRoot, stdio: 'ignore' });
  }, 120_000);

  it('refuses an endless line and an endless block at maxEventBytes, holding about that much', async () => {
    const child = spawn(process.execPath, ['--expose-gc', 'test/fixtures/endless-event.mjs'], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const results = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CaseResult);
    expect(results.map((result) => result.case)).toEqual(['line', 'block', 'short lines', 'small chunks']);
    for (const result of results) {
      const label = `${result.case}: ${JSON.stringify(result)}`;
      expect(result.events, label).toBe(0);
      expect(result.code, label).toBe('ERR_SSE_EVENT_TOO_LARGE');
      // Refused within one chunk of the bound (five bytes per character of an event of `data`
      // lines: each adds an LF), and again on the next feed.
      const perCharacter = result.case === 'short lines' ? 5 : 1;
      expect(result.fed, label).toBeLessThanOrEqual(perCharacter * result.bound + 64 * 1024);
      expect(result.again, label).toBe('ERR_SSE_EVENT_TOO_LARGE');
      // ASCII text is held as one byte per character.
      expect(result.peak, label).toBeLessThanOrEqual(STRUCTURE * result.bound + CONSTANT);
      expect(result.after, label).toBeLessThanOrEqual(CONSTANT);
    }
  }, 120_000);
});
