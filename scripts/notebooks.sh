#!/usr/bin/env bash
# Executes notebooks headless (jupyter nbconvert --execute) on the tslab TypeScript kernel and fails on the
# first cell that throws. Usage: scripts/notebooks.sh [NOTEBOOK.ipynb ...]   (default: every notebooks/*.ipynb)
# Executed copies go to $KOSH_NOTEBOOK_OUT (default data/notebooks/), the committed notebooks stay clean.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/system-deps.sh"
kernels=$(mktemp -d)
trap 'rm -rf "$kernels"' EXIT
mkdir -p "$kernels/kernels/tslab"
cat > "$kernels/kernels/tslab/kernel.json" <<JSON
{"argv": ["$root/node_modules/.bin/tslab", "kernel", "--config-path", "{connection_file}"],
 "display_name": "TypeScript (kosh)", "language": "typescript"}
JSON
out=${KOSH_NOTEBOOK_OUT:-$root/data/notebooks}
mkdir -p "$out"
if [[ $# -eq 0 ]]; then set -- "$root"/notebooks/*.ipynb; fi
for notebook in "$@"; do
  echo "notebooks: executing $notebook" >&2
  status=0
  JUPYTER_PATH=$kernels jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
    --ExecutePreprocessor.kernel_name=tslab --output-dir "$out" "$notebook" >"$kernels/log" 2>&1 || status=$?
  grep -v -e MissingIDFieldWarning -e 'validate(nb)' "$kernels/log" >&2 || true
  [[ $status -eq 0 ]] || exit "$status"
done
