#!/usr/bin/env bash
# Runs every conformance harness under Node 24 (installed by `pnpm runtimes`), so the suite
# proves the adapters on the newest Node as well as on the Node that runs `pnpm test`.
# Harness files: packages/core/test/node-http.test.ts (the reference) and
# packages/<adapter>/test/*conformance*.test.ts. Extra arguments go to vitest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
# .ci/runtimes/package.json says where each runtime lies, for this script and for @ssekit/test-kit.
node24="$root/.ci/runtimes/$(node -p "require('./.ci/runtimes/package.json').binaries.node24")"
if [ ! -x "$node24" ]; then
  echo "Node 24 is not installed at $node24: run \`pnpm runtimes\` (pnpm test does) first." >&2
  exit 1
fi
# vitest's file filters are substrings of the path, matched against the root config's `include`.
exec "$node24" node_modules/vitest/vitest.mjs run packages/core/test/node-http.test.ts conformance "$@"
