/**
 * `@ssekit/core/internal`: what ssekit's own packages share and users should not build on. Not part of
 * the public API (no report, no semver promise); it may change in any release.
 *
 * It is a separate entry of the same build, so its modules are the very ones `@ssekit/core` runs (one
 * write scheduler, one slab pool), not copies.
 */
export type { NumberRule } from './check-option.js';
export { checkNumberOption, checkStringOption, invalidOption } from './check-option.js';
export { EngineSubscribers, errorReporter, PositionWaiters } from './engine-follower.js';
export { continueNodeResponse } from './transports/node-response.js';
