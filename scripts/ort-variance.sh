#!/usr/bin/env bash
# ONNX Runtime's time for all-MiniLM-L6-v2 at batch 8 x seq 128 (2 threads) differs from one process
# to the next on this machine (about 121-125 ms or 147-151 ms, steady within a process). This runs
# `ffnkit bench --vs-onnxruntime` in N separate processes and prints both engines' medians per
# process, so a single run's speedup_vs_ort can be read against that spread.
# Usage: scripts/ort-variance.sh [PROCESSES=6] [THREADS=2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N=${1:-6}
T=${2:-2}
for i in $(seq 1 "$N"); do
  ./ffnkit bench --batch 8 --seq 128 --threads "$T" --vs-onnxruntime --repetitions 6 --warmup 2 --json |
    python3 -c "import json,sys; r=json.load(sys.stdin)['results'][0]; print(f\"process $i ($T threads): ours {r['ms']:.1f} ms  ORT {r['ort_ms']:.1f} ms  speedup_vs_ort {r['speedup_vs_ort']:.2f}x\")"
done
