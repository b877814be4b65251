export { type Deferred, deferred } from './deferred.js';
export { type Runtime, runtimeBinary } from './runtimes.js';
export { sleep, until, waitFor } from './wait.js';
