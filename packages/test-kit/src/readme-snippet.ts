import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Runs the code block of a README that contains `marker`, as a user would paste it into their app:
 * its `import { … } from '<pkg>'` lines take what `modules[pkg]` holds, and the names it uses
 * without defining them (`app`, `model`, …) come from `scope`. Only for blocks that are plain
 * JavaScript (no type annotations). Throws if no block contains `marker`.
 */
export function runReadmeSnippet(
  readme: URL,
  marker: string,
  modules: Record<string, object>,
  scope: Record<string, unknown>,
): void {
  const text = readFileSync(readme, 'utf8');
  const block = [...text.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .find((code) => code.includes(marker));
  if (block === undefined) throw new Error(`no code block of ${readme.pathname} contains ${marker}`);
  const body = block.replace(
    /^import \{([^}]+)\} from '([^']+)';$/gm,
    (_line, names: string, from: string) => {
      if (!(from in modules)) throw new Error(`the snippet imports ${from}: pass it in modules`);
      return `const {${names}} = __modules[${JSON.stringify(from)}];`;
    },
  );
  new Function('__modules', ...Object.keys(scope), body)(modules, ...Object.values(scope));
}

/** The `model` the READMEs' AI snippets call: `model.stream(prompt)` yields each word of the prompt. */
export const wordModel = {
  async *stream(prompt: string): AsyncGenerator<string> {
    for (const word of prompt.split(' ')) yield `${word} `;
  },
};

/**
 * What a README's resumable-streams snippet must do once a user pastes it: a POST without a body
 * (Express 5 leaves `req.body` undefined) or with a bad id gets 400 and the reason, not a 500 with
 * a stack trace; a good one streams to the `ssekit-end` event. `serve` runs the snippet in a fresh
 * app and serves it.
 */
export function describeReadmeResumableSnippet(
  name: string,
  serve: () => Promise<{ url: string; close(): Promise<void> }>,
): void {
  describe(`README resumable snippet on ${name}`, () => {
    it('answers 400 with the reason for a POST without a body or with a bad id', async () => {
      const server = await serve();
      try {
        for (const init of [
          { method: 'POST' },
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"a b"}' },
        ]) {
          const response = await fetch(`${server.url}/chat`, init);
          expect(response.status).toBe(400);
          expect(await response.text()).toMatch(/^Stream id .* must be 1 to 200 characters/);
        }
      } finally {
        await server.close();
      }
    });

    it('streams a good request to its end event', async () => {
      const server = await serve();
      try {
        const response = await fetch(`${server.url}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'r1', prompt: 'hello there' }),
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).toContain('data: hello \n');
        expect(text).toContain('event: ssekit-end\n');
      } finally {
        await server.close();
      }
    });
  });
}
