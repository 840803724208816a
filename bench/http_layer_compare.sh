#!/bin/bash
# bench/http_layer.py's front-door figures for each revision given, alternately, 3 rounds:
#   bench/http_layer_compare.sh 867d262 29803ef HEAD      (from the repository root)
# Each revision is checked out into a temporary worktree and run with this checkout's venv
# (PYTHONPATH set to the worktree), so only the gateway's code differs between the rows.
set -euo pipefail
ROOT=$(pwd)
PY=$ROOT/.venv/bin/python
SCRATCH=$(mktemp -d)
trap 'for t in "$SCRATCH"/tree-*; do git -C "$ROOT" worktree remove --force "$t"; done; rm -rf "$SCRATCH"' EXIT
cp "$ROOT/bench/http_layer.py" "$SCRATCH/http_layer_run.py"
for rev in "$@"; do git -C "$ROOT" worktree add -q --detach "$SCRATCH/tree-$rev" "$rev"; done
for round in 1 2 3; do
  for rev in "$@"; do
    out=$(cd "$SCRATCH" && PYTHONPATH="$SCRATCH/tree-$rev" "$PY" http_layer_run.py \
      --variants front-door --rounds 1 --requests 1500 2>/dev/null | awk '/front-door/ {printf "%s=%s ", $2, $3}')
    echo "round $round $rev: $out"
  done
done
