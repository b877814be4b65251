// The conformance suite on Bun.serve and Deno.serve (named apart from *conformance*: the servers are
// not Node, so test:node24 has nothing to add by running it again).
import { describeConformance } from '@ssekit/conformance';
import { runtimeServers } from './child-server.js';

// Bun.serve and Deno.serve with a bare fetch handler; both own the Connection header and leave it out.
for (const runtime of runtimeServers) {
  describeConformance({
    name: `fetch on ${runtime.name} (${runtime.name === 'bun' ? 'Bun.serve' : 'Deno.serve'})`,
    connectionHeader: false,
    start: () => runtime.start('conformance'),
  });
}
