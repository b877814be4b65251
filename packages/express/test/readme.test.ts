// The README's resumable-streams snippet, run as written on both Express majors: a POST without a
// JSON body (Express 5 leaves `req.body` undefined) or with a bad id must get 400 and the reason,
// not a 500 with a stack trace; a good one streams to the end.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ssekit from '@ssekit/express';
import { describe, expect, it } from 'vitest';
import { expressVersions, listen } from './helpers.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

/** The README's code block that contains `marker`, its `@ssekit/express` import bound to `ssekit`. */
function snippet(marker: string): string {
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .find((b) => b.includes(marker));
  if (block === undefined) throw new Error(`no README block contains ${marker}`);
  return block.replace(/^import \{([^}]+)\} from '@ssekit\/express';$/m, 'const {$1} = ssekit;');
}

/** A stand-in for the model the snippet calls: one token per word of the prompt. */
const model = {
  async *stream(prompt: string) {
    for (const word of prompt.split(' ')) yield `${word} `;
  },
};

for (const [name, express] of expressVersions) {
  describe(`README resumable snippet on ${name}`, () => {
    async function serve() {
      const app = express();
      new Function('ssekit', 'express', 'app', 'model', snippet('resumableRoutes(answers'))(
        ssekit,
        express,
        app,
        model,
      );
      return listen(app);
    }

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
