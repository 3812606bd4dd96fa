#!/bin/sh
# Rebuilds the committed bundle and fails when it differs from what is committed, the way
# actions/typescript-action's check-dist workflow does: a stale dist/ would ship old code.
set -eu
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! pnpm run build >"$log" 2>&1; then
  cat "$log" >&2
  echo "packages/action: the ncc build failed (above)." >&2
  exit 1
fi
status=0
if ! git diff --quiet -- dist; then
  echo "packages/action/dist is stale: these files differ from a fresh build:" >&2
  git diff --stat -- dist >&2
  status=1
fi
untracked=$(git ls-files --others --exclude-standard -- dist)
if [ -n "$untracked" ]; then
  echo "packages/action/dist has files that are not committed:" >&2
  echo "$untracked" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "Fix: run 'pnpm --filter @snapshotplot/action build' and commit packages/action/dist." >&2
fi
exit "$status"
