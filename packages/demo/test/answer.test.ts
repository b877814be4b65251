import { waitFor } from '@ssekit/test-kit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisServerBinary, startRedisServer } from '../../redis/test/redis-server.js';
import { type Demo, startDemo } from '../src/server.js';
import { chromiumTestsRun, launchChromium, requireChromium, requireInstalled } from './helpers.js';

/** Tokens per answer and the pause between them: long enough (about 8 s) to reload and Stop mid-answer. */
const TOKEN_COUNT = 200;
const TOKEN_MS = 40;
/** How long an answer may take to reach a page on a heavily loaded machine. */
const ANSWER_TIMEOUT = 60_000;
/** Each test follows one or two answers through Chromium: generous, for the same reason. */
const TEST_TIMEOUT = 120_000;

const mustRun = chromiumTestsRun('[demo] Answer page tests');

const haveRedis = redisServerBinary !== undefined;
if (mustRun && !haveRedis && process.env.CI !== 'true') {
  console.warn(
    '[demo] The two-instance answer test is skipped: redis-server is not installed. Install the Debian package `redis-server` (apt-get install redis-server) to run it.',
  );
}
const demoOptions = { port: 0, tokenInterval: TOKEN_MS, tokenCount: TOKEN_COUNT, log: () => {} };

/** `window.answer` of the page: what its EventSource delivered. */
interface PageAnswer {
  id: string | null;
  state: string;
  tokens: { id: string; data: string }[];
  opens: number;
}

describe.runIf(mustRun)('the answer page in Chromium', () => {
  let browser: Browser;
  let demo: Demo;
  let contexts: BrowserContext[] = [];

  beforeAll(async () => {
    requireChromium();
    [browser, demo] = await Promise.all([launchChromium(), startDemo(demoOptions)]);
  });

  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** Opens `url` in a fresh browser context (a tab of its own). */
  async function openTab(url: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  const pageAnswer = (page: Page): Promise<PageAnswer> =>
    page.evaluate(() => {
      const { id, state, tokens, opens } = (window as unknown as { answer: PageAnswer }).answer;
      return { id, state, tokens, opens };
    });

  /** Waits until the page's answer is in `state`; returns what the page then holds. */
  async function reachState(page: Page, state: string): Promise<PageAnswer> {
    await waitFor(
      async () => (await pageAnswer(page)).state === state,
      `the page never showed ${state}`,
      ANSWER_TIMEOUT,
    );
    return pageAnswer(page);
  }

  /** Waits until the page has at least `count` tokens of its answer. */
  async function reachTokens(page: Page, count: number): Promise<PageAnswer> {
    await waitFor(
      async () => (await pageAnswer(page)).tokens.length >= count,
      `fewer than ${count} tokens reached the page`,
      ANSWER_TIMEOUT,
    );
    return pageAnswer(page);
  }

  /** Clicks "Start an answer" and waits for its first tokens; returns the answer's id. */
  async function startAnswer(page: Page): Promise<string> {
    await page.locator('#ask').click();
    const { id } = await reachTokens(page, 3);
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(new URL(page.url()).searchParams.get('id')).toBe(id);
    return id as string;
  }

  /** The tokens the producer of answer `id` stored, on the instance `on` that runs it. */
  const produced = (id: string, on = demo): string[] => on.answers.produced.get(id) ?? [];

  /**
   * The page holds exactly the tokens the producer (on instance `on`) stored, each once, in order,
   * with the ids `<answer id>:<generation>:1…n`, and shows them as its text.
   */
  async function expectWholeAnswer(page: Page, id: string, on = demo): Promise<void> {
    const { tokens } = await pageAnswer(page);
    expect(tokens.map((token) => token.data)).toEqual(produced(id, on));
    const generation = tokens[0]?.id.split(':')[1];
    expect(tokens.map((token) => token.id)).toEqual(tokens.map((_, i) => `${id}:${generation}:${i + 1}`));
    expect(await page.locator('#answer-text').textContent()).toBe(produced(id, on).join(''));
  }

  it(
    'reload mid-answer: the text continues, every token the server produced shows once, in order',
    async () => {
      const page = await openTab(`${demo.url}answer.html`);
      const id = await startAnswer(page);
      const before = produced(id).length;
      // Still mid-answer when the page goes away.
      expect(before).toBeLessThan(TOKEN_COUNT);

      await page.reload();
      const reloaded = await pageAnswer(page);
      expect(reloaded.id).toBe(id);
      await reachState(page, 'done');

      expect(produced(id)).toHaveLength(TOKEN_COUNT);
      await expectWholeAnswer(page, id);
      expect(await page.locator('#answer-state').textContent()).toBe('done');
    },
    TEST_TIMEOUT,
  );

  it(
    'a second tab opened on the same address follows the same answer to the end',
    async () => {
      const first = await openTab(`${demo.url}answer.html`);
      const id = await startAnswer(first);
      const second = await openTab(first.url());
      await reachTokens(second, 1);
      // Both follow the one producer: it ran once, and both show it whole.
      expect(demo.answers.produced.get(id)).toBeDefined();
      await Promise.all([reachState(first, 'done'), reachState(second, 'done')]);
      expect(produced(id)).toHaveLength(TOKEN_COUNT);
      await expectWholeAnswer(first, id);
      await expectWholeAnswer(second, id);
    },
    TEST_TIMEOUT,
  );

  it(
    'Stop in one tab ends the answer on every tab, and the producer stops',
    async () => {
      const first = await openTab(`${demo.url}answer.html`);
      const id = await startAnswer(first);
      const second = await openTab(first.url());
      await reachTokens(second, 1);

      await second.locator('#stop').click();
      await Promise.all([reachState(first, 'cancelled'), reachState(second, 'cancelled')]);
      const stoppedAt = produced(id).length;
      expect(stoppedAt).toBeLessThan(TOKEN_COUNT);
      for (const page of [first, second]) {
        expect(await page.locator('#answer-state').textContent()).toBe('cancelled');
        expect(await page.locator('#stop').isDisabled()).toBe(true);
        await expectWholeAnswer(page, id);
      }
      // The producer's signal aborted: it returned, having stored nothing after the end.
      await waitFor(
        () => !demo.answers.running.has(id),
        'the producer still runs after Stop',
        ANSWER_TIMEOUT,
      );
      expect(produced(id)).toHaveLength(stoppedAt);
    },
    TEST_TIMEOUT,
  );

  it('an address naming no answer shows "gone"', async () => {
    const page = await openTab(`${demo.url}answer.html?id=never-started`);
    await reachState(page, 'gone');
    expect(await page.locator('#answer-state').textContent()).toBe('gone');
  });

  describe.runIf(haveRedis || process.env.CI === 'true')('two instances sharing Redis (REDIS_URL)', () => {
    let redis: RedisServer;
    let a: Demo;
    let b: Demo;

    beforeAll(async () => {
      requireInstalled(
        haveRedis,
        'redis-server is not installed: install the Debian package `redis-server`.',
      );
      redis = await startRedisServer();
      [a, b] = await Promise.all([
        startDemo({ ...demoOptions, redis: redis.url }),
        startDemo({ ...demoOptions, redis: redis.url }),
      ]);
    });

    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await redis?.stop();
    });

    it(
      'an answer started on A is followed on B, and Stop on B ends it on both and stops A',
      async () => {
        const onA = await openTab(`${a.url}answer.html`);
        const id = await startAnswer(onA);
        const onB = await openTab(`${b.url}answer.html?id=${id}`);
        await reachTokens(onB, 1);
        expect(a.answers.running.has(id)).toBe(true);
        expect(b.answers.running.size).toBe(0);

        await onB.locator('#stop').click();
        await Promise.all([reachState(onA, 'cancelled'), reachState(onB, 'cancelled')]);
        await waitFor(
          () => !a.answers.running.has(id),
          "A's producer still runs after Stop on B",
          ANSWER_TIMEOUT,
        );
        expect(produced(id, a).length).toBeLessThan(TOKEN_COUNT);
        await expectWholeAnswer(onA, id, a);
        await expectWholeAnswer(onB, id, a);
      },
      TEST_TIMEOUT,
    );
  });
});
