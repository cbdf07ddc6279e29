#!/bin/bash
# The coordinator on a login node: publish the study's missing tasks, submit the workers, and
# collect results. Publishing and collecting are short; between them the queue lives in NATS,
# so nothing has to keep running on the login node while the workers train.
#
#   export WIDTHSWEEP_NATS_URL=nats://nats-host.example.org:4222
#   deploy/slurm/coordinator.sh study.yaml results.sqlite [NODES]
#
# Then, any number of times (each call stores what has arrived and exits):
#   widthsweep collect STUDY --nats "$WIDTHSWEEP_NATS_URL" --db results.sqlite --once
# or, to wait for the end in a tmux/screen session:
#   widthsweep collect STUDY --nats "$WIDTHSWEEP_NATS_URL" --db results.sqlite
# Progress and live workers:
#   widthsweep status STUDY --db results.sqlite --nats "$WIDTHSWEEP_NATS_URL"
#
# Keep the database on a local or home file system, not a parallel one (Lustre, GPFS): SQLite's
# WAL needs working locks. Only this machine writes it.

set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 SPEC DB [NODES]" >&2
  exit 2
fi
spec=$1
db=$2
nodes=${3:-2}
: "${WIDTHSWEEP_NATS_URL:?export WIDTHSWEEP_NATS_URL=nats://HOST:4222 first}"
here=$(cd "$(dirname "$0")" && pwd)

summary=$(widthsweep run "$spec" --nats "$WIDTHSWEEP_NATS_URL" --db "$db" --detach --json | tail -n 1)
study=$(printf '%s' "$summary" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).study))')
sbatch --nodes="$nodes" "$here/worker.sbatch"
# GPU workers only for a spec that routes tasks to a pool (YAML or JSON).
if grep -Eq '^[[:space:]]*"?routing"?[[:space:]]*:' "$spec"; then
  sbatch --nodes=1 "$here/worker-gpu.sbatch"
fi
echo "submitted; store results with:" >&2
echo "  widthsweep collect $study --nats \"\$WIDTHSWEEP_NATS_URL\" --db $db" >&2
