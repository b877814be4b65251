/**
 * The conformance suite: one set of tests, over real HTTP, that every ssekit adapter passes.
 * An adapter's test file calls `describeConformance` with a harness that mounts the conformance
 * app (`@ssekit/conformance/app`) through the adapter.
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { badInputTests } from './bad-input.js';
import { channelTests } from './channels.js';
import { closeClients } from './cleanup.js';
import { clientTests } from './client.js';
import { disconnectTests } from './disconnect.js';
import { eventSourceTests } from './eventsource-client.js';
import { handlerErrorTests } from './handler-error.js';
import type { ConformanceHarness, RunningServer } from './harness.js';
import { headTests } from './head.js';
import { headerTests } from './headers.js';
import { heartbeatTests } from './heartbeat.js';
import { lastEventIdTests } from './last-event-id.js';
import { messageTests } from './messages.js';
import { shutdownTests } from './shutdown.js';
import { slowClientTests } from './slow-client.js';
import { unicodeLastEventIdTests } from './unicode-last-event-id.js';

export type {
  ConformanceApp,
  ConformanceHarness,
  RunningServer,
  ScenarioRequest,
  ScenarioRoute,
} from './harness.js';

/**
 * Registers the whole suite as one vitest `describe`, named after the harness. The server is
 * started once for the suite and closed after it; every client a test opened is closed after it.
 */
export function describeConformance(harness: ConformanceHarness): void {
  describe(`conformance: ${harness.name}`, () => {
    let running: RunningServer | undefined;
    const server = (): RunningServer => {
      if (!running) throw new Error(`the ${harness.name} server did not start`);
      return running;
    };

    beforeAll(async () => {
      running = await harness.start();
    });
    afterEach(closeClients);
    afterAll(async () => {
      await closeClients();
      await running?.close();
    });

    messageTests(server);
    headerTests(server, harness);
    heartbeatTests(server);
    lastEventIdTests(server);
    unicodeLastEventIdTests(server, harness);
    headTests(server);
    eventSourceTests(server);
    clientTests(server);
    badInputTests(server);
    handlerErrorTests(server);
    slowClientTests(server);
    disconnectTests(server, harness);
    channelTests(server, harness);
    shutdownTests(harness);
  });
}
