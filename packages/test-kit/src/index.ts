export { outcomeWithin } from './body.js';
export { type ChildServer, startChildServer } from './child-server.js';
export { type Deferred, deferred } from './deferred.js';
export { connect, type EventClient } from './event-client.js';
export { describeOptionChecks } from './option-checks.js';
export { childRuntimes, type Runtime, runtimeBinary } from './runtimes.js';
export { typecheckProgram } from './typecheck.js';
export { sleep, until, waitFor } from './wait.js';
