#!/usr/bin/env bash
# npm test's static checks in two lanes side by side (CI has two cores): the type checks (the server and its
# tests, the console's browser tests, the console) in one, ESLint and Prettier in the other. Each lane's
# output is printed whole when it ends, not interleaved; the script fails when either lane failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

(npx tsc --noEmit -p . && npx tsc --noEmit -p tests/console && npx tsc --noEmit -p web) >"$out/types" 2>&1 &
types=$!
npm run --silent lint >"$out/lint" 2>&1 &
lint=$!

failed=0
wait $types || { failed=1; echo "--- type checks failed:"; }
cat "$out/types"
wait $lint || { failed=1; echo "--- lint failed:"; }
cat "$out/lint"
exit $failed
