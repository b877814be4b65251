/**
 * `@ssekit/core/internal`: what ssekit's own packages share and users should not build on. Not part of
 * the public API (no report, no semver promise); it may change in any release.
 *
 * It is a separate entry of the same build, so its modules are the very ones `@ssekit/core` runs (one
 * write scheduler, one slab pool), not copies.
 *
 * `@ssekit/client` takes the parser and the names it shares with servers from here, not from the main
 * entry: a bundler keeps the main entry's stream module (its classes' static blocks count as side
 * effects), while every module this entry reaches is free of side effects, so a browser bundle of the
 * client holds only what it calls (`packages/client/test/size.test.ts` measures the built files).
 */
export { unrefTimer } from './background-timer.js';
export type { NumberRule } from './check-option.js';
export { checkHandler, checkNumberOption, checkStringOption, invalidOption } from './check-option.js';
export type { EngineFollower } from './engine-channel.js';
export { EngineChannel } from './engine-channel.js';
export { failedRequestMessage } from './engine-error.js';
export { EngineFollowerLoop, EngineSubscribers, errorReporter, PositionWaiters } from './engine-follower.js';
export { DEFAULT_GAP_EVENT } from './gap-event.js';
export { DEFAULT_LAST_EVENT_ID_QUERY } from './last-event-id.js';
export { createParser } from './parse.js';
export { UNSHARED_REPLAYS } from './replay-reads.js';
export { resumableHandlers } from './resumable/handlers.js';
export { continueNodeResponse } from './transports/node-response.js';
