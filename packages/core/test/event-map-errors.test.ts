// What a user reads when a send does not fit the typed event map: the compiler's message must name
// the refused value and list the events the map allows, with their data, not a bare "not assignable
// to never". Checked with tsc against the BUILT package (run `pnpm build` first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { typecheckProgram } from '@ssekit/test-kit';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('a send outside the event map gets an error that names the allowed events and their data', async () => {
  expect(existsSync(`${packageDir}dist/index.d.ts`), 'build the packages first (pnpm build)').toBe(true);
  const output = await typecheckProgram(packageDir, 'typed-misuse/tsconfig.json');
  const errors = output.split(/\r?\n(?=\S)/).filter((block) => block.includes('error TS'));
  expect(errors).toHaveLength(2);
  const [unknownEvent, wrongData] = errors as [string, string];
  expect(unknownEvent).toMatch(/misuse\.mts\(7,/);
  expect(unknownEvent).toContain('event: "unknown"');
  expect(wrongData).toMatch(/misuse\.mts\(9,/);
  for (const error of errors) {
    // Every allowed send is spelled out: its event name and its data type.
    expect(error).toContain(
      '[data: { n: number; }, options: Omit<SendOptions, "event"> & { event: "tick"; }]',
    );
    expect(error).toContain('[data: string, options: Omit<SendOptions, "event"> & { event: "note"; }]');
  }
}, 70_000);
