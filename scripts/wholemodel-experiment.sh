#!/usr/bin/env bash
# Whole-model results for fast feedforward trees (issue 7) and LookupFFN (issue 8) on
# all-MiniLM-L6-v2, converted layer-wise (no end-to-end training): docs/RESULTS.md and
# docs/RESULTS-lookup.md, sections "Whole model".
#
# Usage:
#   scripts/wholemodel-experiment.sh quality [OUT_DIR]   # convert, fidelity, retrieval (untimed, niced)
#   ROUND=N scripts/wholemodel-experiment.sh speed [OUT_DIR] [fff|lookup|all]   # ffnkit bench, round N
#
# quality: one JSON line per model in $OUT/results.jsonl (an interrupted run resumes; a model file
#   already in $OUT is reused).
# speed: each group (dense + FFF models, dense + LookupFFN models) runs inside ONE hold of
#   /tmp/ffnkit-bench.lock, so the dense engine, ONNX Runtime and the converted models share the same
#   machine state; raw JSON in $OUT/bench-*.json. Rerun it after a kernel change (e.g. LookupKernel)
#   without redoing the conversions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAGE=${1:?usage: $0 quality|speed [OUT_DIR]}
OUT=${2:-/tmp/wholemodel}
Q=${Q:-300}          # retrieval protocol of the FFF section of RESULTS.md: 300 queries, 3,000 documents
C=${C:-3000}
MODEL=all-minilm-l6-v2
# name : convert flags. Conversion settings as in RESULTS.md (1,000 glosses, 10,000 rows per layer).
FFF_MODELS=(
  "fff-4x8-all:--to fff --trees 4 --depth 8 --epochs 3"
  "fff-16x6-all:--to fff --trees 16 --depth 6 --epochs 3"
  "fff-1x10-all:--to fff --trees 1 --depth 10 --epochs 3"
  "fff-1x10-l5:--to fff --trees 1 --depth 10 --epochs 3 --layers 5"
  "fff-64x4-all:--to fff --trees 64 --depth 4 --epochs 3"
  "fff-1x10-l345:--to fff --trees 1 --depth 10 --epochs 3 --layers 3,4,5"
  "fff-16x6-l345:--to fff --trees 16 --depth 6 --epochs 3 --layers 3,4,5"
  "fff-4x8-l5:--to fff --trees 4 --depth 8 --epochs 3 --layers 5"
  "fff-16x6-l5:--to fff --trees 16 --depth 6 --epochs 3 --layers 5"
  # Not a model to use: one neuron per FFN (no training), the speed floor of an almost free FFN.
  "fff-1x0-all:--to fff --trees 1 --depth 0 --epochs 0"
)
# LookupFFN: closed-form table fit only (--epochs 0), the setting with the best all-layer cosine in
# RESULTS-lookup.md (distillation after the fit lowered it).
LOOKUP_MODELS=(
  "lookup-32x8-all:--to lookup --tables 32 --bits 8 --epochs 0"
  "lookup-64x8-all:--to lookup --tables 64 --bits 8 --epochs 0"
  "lookup-128x8-all:--to lookup --tables 128 --bits 8 --epochs 0"
  "lookup-64x8-l5:--to lookup --tables 64 --bits 8 --epochs 0 --layers 5"
  "lookup-128x8-l5:--to lookup --tables 128 --bits 8 --epochs 0 --layers 5"
  "lookup-32x8-l5:--to lookup --tables 32 --bits 8 --epochs 0 --layers 5"
  "lookup-64x8-l345:--to lookup --tables 64 --bits 8 --epochs 0 --layers 3,4,5"
  "lookup-64x4-all:--to lookup --tables 64 --bits 4 --epochs 0"
  # The same conversions with the tables rounded to bfloat16 (the kernel's fast table format).
  "lookup-128x8-l5-bf16:--to lookup --tables 128 --bits 8 --epochs 0 --layers 5 --table-format bf16"
  "lookup-64x8-l345-bf16:--to lookup --tables 64 --bits 8 --epochs 0 --layers 3,4,5 --table-format bf16"
)
mkdir -p "$OUT"
export FFNKIT=${FFNKIT:-./ffnkit}   # another launcher (e.g. a frozen copy of the jars) may be given

quality() {
  touch "$OUT/results.jsonl"
  done_already() { grep -q "\"name\": \"$1\"" "$OUT/results.jsonl"; }
  measure() { # name, model, convert-json-file
    local fid ret
    fid=$(nice $FFNKIT eval --model "$2" --reference $MODEL --task fidelity --data datasets/parity/sentences.txt --json 2>/dev/null)
    ret=$(nice $FFNKIT eval --model "$2" --limit-queries "$Q" --corpus-limit "$C" --json 2>/dev/null)
    python3 - "$1" "$fid" "$ret" "$3" >> "$OUT/results.jsonl" <<'PY'
import json, os, sys
name, fid, ret, conv = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
row = {"name": name, "mean_cosine": fid["mean_cosine"], "p01_cosine": fid["p01_cosine"],
       "ndcg_at_10": ret["ndcg_at_10"], "mrr_at_10": ret["mrr_at_10"]}
if conv and os.path.exists(conv):
    c = json.load(open(conv))
    row.update({"method": c["method"], "ffn_flops_per_token_after": c["ffn_flops_per_token_after"],
                "layer_errors": {str(l["layer"]): l["relative_error"] for l in c["layers"]}})
print(json.dumps(row))
PY
  }
  for spec in "${LOOKUP_MODELS[@]}" "${FFF_MODELS[@]}"; do
    name=${spec%%:*}; flags=${spec#*:}
    done_already "$name" && continue
    if [ ! -f "$OUT/$name.safetensors" ]; then
      echo "$(date -u +%H:%M) converting $name" >&2
      # shellcheck disable=SC2086
      nice $FFNKIT convert --model $MODEL $flags --calib-limit 1000 --max-rows 10000 \
        --out "$OUT/$name.safetensors" --json > "$OUT/$name.convert.json"
    fi
    echo "$(date -u +%H:%M) measuring $name" >&2
    measure "$name" "$OUT/$name.safetensors" "$OUT/$name.convert.json"
  done
  done_already dense || measure dense $MODEL ""
  echo "results: $OUT/results.jsonl" >&2
}

speed() { # one locked session per group: dense, the group's models, dense again (drift check)
  local group=$1; shift
  flock /tmp/ffnkit-bench.lock bash -c '
    set -euo pipefail
    out=$1; group=$2; r=$3; shift 3
    { date -u; uptime; } > "$out/bench-$group$r.load"
    # Untimed warm-up of the machine (the first run after a lock change came out 2-3x slow twice).
    $FFNKIT bench --model all-minilm-l6-v2 --batch 8 --seq 128 --threads 2 --repetitions 3 --warmup 2 > /dev/null
    $FFNKIT bench --model all-minilm-l6-v2 --batch 8,32 --seq 128 --threads 2 --vs-onnxruntime \
      --repetitions 5 --warmup 2 --json > "$out/bench-$group-dense$r.json"
    for name in "$@"; do
      $FFNKIT bench --model "$out/$name.safetensors" --batch 8,32 --seq 128 --threads 2 --vs-onnxruntime \
        --repetitions 5 --warmup 2 --json > "$out/bench-$name$r.json"
    done
    $FFNKIT bench --model all-minilm-l6-v2 --batch 8,32 --seq 128 --threads 2 --vs-onnxruntime \
      --repetitions 5 --warmup 2 --json > "$out/bench-$group-dense-after$r.json"
    uptime >> "$out/bench-$group$r.load"' _ "$OUT" "$group" "$R" "$@"
}

case $STAGE in
  quality) quality ;;
  speed)
    $FFNKIT models >/dev/null   # build outside the lock
    # The rows of the docs' speed tables (a subset of the converted models, to keep each lock short).
    GROUP=${3:-all}
    # Round r of the timing (files bench-*-rN.json); the tables take the median over rounds, as
    # other users' jobs on a shared machine spoil single runs.
    R=-r${ROUND:-1}
    if [ "$GROUP" = all ] || [ "$GROUP" = fff ]; then
      speed fff fff-1x0-all fff-1x10-all fff-4x8-all fff-16x6-all fff-64x4-all fff-1x10-l345 fff-1x10-l5
    fi
    if [ "$GROUP" = all ] || [ "$GROUP" = lookup ]; then
      speed lookup lookup-32x8-all lookup-64x8-all lookup-128x8-all lookup-64x4-all lookup-64x8-l345 lookup-64x8-l5
    fi
    ;;
  *) echo "usage: $0 quality|speed [OUT_DIR]" >&2; exit 2 ;;
esac
