#!/usr/bin/env bash
# Regenerates the FFSplit tables of docs/RESULTS.md on all-MiniLM-L6-v2: each setting with and
# without the split at the same FFN budget, fidelity on the held-out parity sentences, retrieval on
# a seeded slice of wordnet-gloss-example, size. One JSON line per model in $OUT/results.jsonl; speed
# of the low-rank models (batch x seq, vs the dense engine and ONNX Runtime) in $OUT/speed.jsonl.
# Usage: scripts/ffsplit-experiment.sh [OUT_DIR] [QUERIES] [CORPUS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=${1:-/tmp/ffsplit-experiment}
Q=${2:-300}
C=${3:-3000}
MODEL=all-minilm-l6-v2
mkdir -p "$OUT"
touch "$OUT/results.jsonl"   # rows already there are kept: an interrupted run resumes
done_already() { grep -q "\"name\": \"$1\"" "$OUT/results.jsonl"; }
CAL="$OUT/calibration.safetensors"
[ -f "$CAL" ] || ./ffnkit calibrate --model $MODEL --calib-limit 1000 --out "$CAL" >&2

measure() { # name, model file
  local fid ret
  fid=$(./ffnkit eval --model "$2" --reference $MODEL --task fidelity --data datasets/parity/sentences.txt --json 2>/dev/null)
  ret=$(./ffnkit eval --model "$2" --limit-queries "$Q" --corpus-limit "$C" --json 2>/dev/null)
  python3 - "$1" "$fid" "$ret" "${3:-{\}}" >> "$OUT/results.jsonl" <<'PY'
import json, sys
name, fid, ret, size = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(json.dumps({"name": name, **size, "mean_cosine": fid["mean_cosine"], "p01_cosine": fid["p01_cosine"],
                  "ndcg_at_10": ret["ndcg_at_10"], "mrr_at_10": ret["mrr_at_10"]}))
PY
}

done_already baseline || measure baseline $MODEL '{"ffn_params_after": 7089408, "bytes_after": 90262528}'
run() { # name, flags...
  local name=$1; shift
  done_already "$name" && return 0
  local size limit=()
  # a refit reads the calibration texts again: the same 1,000 as the saved statistics
  [[ " $* " == *" --refit "* ]] && limit=(--calib-limit 1000)
  size=$(./ffnkit compress --model $MODEL --calibration "$CAL" ${limit[@]+"${limit[@]}"} --out "$OUT/$name.safetensors" --json "$@" 2>/dev/null)
  measure "$name" "$OUT/$name.safetensors" "$size"
}
for spec in "svd:" "whiten:--whiten" "whiten-refit:--whiten --refit"; do
  name=${spec%%:*}; flags=${spec#*:}
  for rank in 0.1 0.5; do
    # shellcheck disable=SC2086
    run "split25-$name-r$rank" --heavy 0.25 --rank $rank $flags
    run "vanilla-$name-r$rank" --heavy 0 --match-params "$OUT/split25-$name-r$rank.safetensors" $flags
  done
done
for light in rtn awq; do
  for bits in 3 4; do
    run "split25-$light-$bits-heavy8" --heavy 0.25 --light $light --bits $bits --heavy-bits 8
    run "vanilla-$light-$bits" --heavy 0 --light $light --bits $bits
  done
done
# Speed (Table A): each low-rank model against its dense original and ONNX Runtime in one process
# (the three alternate), batch 8/32 x seq 128/256, 2 threads. One locked run per model, since the
# machine is shared; the load average before and after goes into each row. SPEED=0 skips this.
speed() { # name, model
  grep -q "\"name\": \"$1\"" "$OUT/speed.jsonl" && return 0
  local before js after
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  js=$(flock /tmp/ffnkit-bench.lock ./ffnkit bench --model "$2" --vs-model $MODEL --vs-onnxruntime --batch 8,32 \
    --seq 128,256 --threads 2 --repetitions "${REPS:-5}" --warmup 2 --json 2>/dev/null)
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  python3 - "$1" "$js" "$before" "$after" >> "$OUT/speed.jsonl" <<'PY'
import json, sys, datetime
name, js, before, after = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
for r in js["results"]:
    print(json.dumps({"name": name, "batch": r["batch"], "seq": r["seq"], "threads": r["threads"], "ms": r["ms"],
                      "dense_ms": r["baseline_ms"], "speedup_vs_dense": r["speedup_vs_baseline"], "ort_ms": r["ort_ms"],
                      "speedup_vs_ort": r["speedup_vs_ort"], "date": date, "load_before": before, "load_after": after}))
PY
}
if [ "${SPEED:-1}" != 0 ]; then
  touch "$OUT/speed.jsonl"
  speed baseline $MODEL   # dense against itself: shows how far apart two identical runs land
  for f in "$OUT"/split25-*-r*.safetensors "$OUT"/vanilla-*-r*.safetensors; do
    [ -f "$f" ] && speed "$(basename "$f" .safetensors)" "$f"
  done
fi
echo "results: $OUT/results.jsonl, $OUT/speed.jsonl" >&2
