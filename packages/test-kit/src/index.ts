export { type Deferred, deferred } from './deferred.js';
export { describeOptionChecks } from './option-checks.js';
export { type Runtime, runtimeBinary } from './runtimes.js';
export { typecheckProgram } from './typecheck.js';
export { sleep, until, waitFor } from './wait.js';
