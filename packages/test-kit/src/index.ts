export { outcomeWithin } from './body.js';
export { ensureBuilt } from './built.js';
export { burst, confirmedAcrossOutage, expectConfirmedOnce, type SendResult, sendThrough } from './burst.js';
export { type ChildServer, startChildServer } from './child-server.js';
export { type Deferred, deferred } from './deferred.js';
export type { EngineHarness } from './engine.js';
export { connect, type EventClient } from './event-client.js';
export { closeAfterTest, serveHttp, type TestServer } from './http-server.js';
export { getJson, postJson, startInstance, startInstances } from './instances.js';
export { describeOptionChecks } from './option-checks.js';
export { freePort } from './ports.js';
export { describeReadmeResumableSnippet, runReadmeSnippet, wordModel } from './readme-snippet.js';
export { describeReplayMemory } from './replay-memory.js';
export { childRuntimes, type Runtime, runtimeBinary } from './runtimes.js';
export {
  findBinary,
  type Greeting,
  type ServerProcess,
  serverAvailable,
  startServerProcess,
} from './server-process.js';
export { describeStalledInstance } from './stalled-instance.js';
export {
  type ChannelServer,
  describeStormFromOneId,
  openClient,
  type StormClient,
  type StormSession,
  type StormStore,
  serveChannel,
  stormSession,
} from './storm.js';
export { typecheckProgram } from './typecheck.js';
export { sleep, until, untilValue, waitFor } from './wait.js';
