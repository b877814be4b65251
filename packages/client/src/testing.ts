/**
 * `@ssekit/client/testing`: read the events of an SSE route in a test, in a few lines and without
 * sleeping: `collect` reads a Response, a URL, a Hono app or a Node server (as supertest takes one)
 * and closes the connection; `waitForMembers` waits until a client has joined a channel.
 */
export type { ParsedEvent } from '@ssekit/core';
export type { CollectOptions, CollectSource, FetchApp } from './testing/collect.js';
export { collect } from './testing/collect.js';
export type { NodeHandler, NodeServerLike } from './testing/node-server.js';
export type { HasMembers } from './testing/wait-for-members.js';
export { waitForMembers } from './testing/wait-for-members.js';
