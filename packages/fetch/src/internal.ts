/**
 * `@ssekit/fetch/internal`: how ssekit's adapters on fetch-style servers (`@ssekit/hono`) answer a
 * request with an event stream. Not part of the public API (no report, no semver promise).
 */
export type { RespondOptions } from './respond.js';
export { reportFailure, respondWithEventStream } from './respond.js';
export { answerRequest } from './resumable.js';
