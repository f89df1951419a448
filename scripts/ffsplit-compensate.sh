#!/usr/bin/env bash
# Regenerates Table E of docs/RESULTS.md on all-MiniLM-L6-v2: FFSplit with the heavy compensation
# (--compensate: the light down-projection's error moved into the heavy rows) at the paper's 25%
# heavy set, for every light method, against Table A's vanilla models at the same budget (low rank
# r107; quantisation at the same bit width). Fidelity on the parity sentences and the 300-query slice
# as in Tables A-D, then every pair on all 32,324 WordNet queries (per-query nDCG@10 and per-text
# cosine over 80,476 texts, as Table D's phase X), about 2 minutes per model; Table A's splits
# without compensation on the same queries; and, for whitened SVD, the up-rank share of each model
# chosen on calibration text, then that pair on all of WordNet; the quantised splits with their
# heavy rows refit (--refit with rtn/awq); and every split's and twin's top-10 agreement with the
# original model.
#
# Needs the OUT of scripts/ffsplit-experiment.sh (EXP_DIR: its calibration.safetensors and vanilla
# models). Output in OUT_DIR: results.jsonl, the models, wordnet-all/, e5/ (fidelity on e5-small-v2)
# and err.txt; prints the table
# at the end (scripts/render-ffsplit-small-heavy.py --compensate). About 2 hours on 2 cores; an
# interrupted run resumes.
# Usage: scripts/ffsplit-compensate.sh [OUT_DIR] [EXP_DIR]
#        (defaults /tmp/ffsplit-compensate and /tmp/ffsplit-experiment)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/ffsplit-lib.sh
ffsplit_setup ffsplit-compensate /tmp/ffsplit-compensate "$@"

run comp25-svd-r0.1 0.25 --rank 0.1 --compensate
run comp25-whiten-r0.1 0.25 --rank 0.1 --whiten --compensate
run comp25-whiten-refit-r0.1 0.25 --rank 0.1 --whiten --refit --compensate
for lb in awq:3 rtn:3 awq:4 rtn:4; do
  l=${lb%%:*}; b=${lb#*:}
  run "comp25-$l-$b-heavy8" 0.25 --light "$l" --bits "$b" --heavy-bits 8 --compensate
done

# Each split, then its vanilla twin from Table A.
pairs=()
for n in svd-r0.1 whiten-r0.1 whiten-refit-r0.1; do
  pairs+=("$OUT/comp25-$n.safetensors" "$EXP/vanilla-$n.safetensors")
done
for lb in awq-3 rtn-3 awq-4 rtn-4; do
  pairs+=("$OUT/comp25-$lb-heavy8.safetensors" "$EXP/vanilla-$lb.safetensors")
done
for f in "${pairs[@]}"; do
  [ -f "$f" ] || { echo "ffsplit-compensate: error: $f is missing: run scripts/ffsplit-experiment.sh $EXP first" >&2; exit 1; }
done
mkdir -p "$OUT/wordnet-all"
[ -f "$OUT/wordnet-all/wordnet-gloss-example/queries.jsonl" ] ||
  ./ffnkit data wordnet --queries 40000 --out "$OUT/wordnet-all" 2>>"$ERR"
wn_all comp "${pairs[@]}"
# Table A's splits without the compensation, to see what it changes.
uncomp=()
for n in svd-r0.1 whiten-r0.1 whiten-refit-r0.1 awq-3-heavy8 rtn-3-heavy8 awq-4-heavy8 rtn-4-heavy8; do
  uncomp+=("$EXP/split25-$n.safetensors")
done
wn_all uncomp "${uncomp[@]}"
# The rank split between the up- and down-projections (--up-rank-share), whitened, without refit:
# the compensation shrinks the down-projection's error, so the split may want more up-projection
# rank. Each model's share is chosen on calibration text (fidelity on the first 600 calibration
# glosses, from a grid), never on the evaluation texts; then both chosen models on all of WordNet.
head -600 datasets/calibration/wordnet-glosses.txt > "$OUT/calib-600.txt"
best_share() { # prefix, flags...: prints the share whose model is most faithful on calibration text
  local prefix=$1 f fid best=0.5 bestfid=-1; shift
  for f in 0.5 0.6 0.7 0.8 0.9; do
    [ -f "$OUT/$prefix-up$f.safetensors" ] || ./ffnkit compress --model $MODEL --calibration "$CAL" \
      --out "$OUT/$prefix-up$f.safetensors" --up-rank-share $f "$@" > /dev/null 2>>"$ERR"
    fid=$(./ffnkit eval --model "$OUT/$prefix-up$f.safetensors" --reference $MODEL --task fidelity \
      --data "$OUT/calib-600.txt" --json 2>>"$ERR" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mean_cosine"])')
    echo "$prefix up-rank share $f: calibration fidelity $fid" >&2
    if python3 -c "import sys; sys.exit(0 if $fid > $bestfid else 1)"; then best=$f; bestfid=$fid; fi
  done
  echo "$best"
}
sc=$(best_share comp25-whiten-r0.1 --heavy 0.25 --rank 0.1 --whiten --compensate)
sv=$(best_share vanilla-whiten-r107 --heavy 0 --rank 107 --whiten)
echo "chosen up-rank shares: split $sc, vanilla $sv" | tee "$OUT/shares.txt" >&2
for n in "comp25-whiten-r0.1-up$sc" "vanilla-whiten-r107-up$sv"; do
  done_already "$n" "$OUT/results.jsonl" || measure "$n" "$([[ $n == comp* ]] && echo 0.25 || echo 0)" "$OUT/$n.safetensors"
done
wn_all alloc "$OUT/comp25-whiten-r0.1-up$sc.safetensors" "$OUT/vanilla-whiten-r107-up$sv.safetensors"

# The quantised splits with their heavy rows refit on calibration text (--refit with rtn/awq: the
# light codes stay; the heavy rows of V and b2 are fitted by least squares, which also absorbs the
# light up-projection's error through the GELU), on all of WordNet; the render pairs them with the
# vanilla twins and the compensated splits of group comp.
refitq=()
for lb in awq:3 rtn:3 awq:4 rtn:4; do
  l=${lb%%:*}; b=${lb#*:}
  run "comp25-$l-$b-heavy8-refit" 0.25 --light "$l" --bits "$b" --heavy-bits 8 --compensate --refit
  refitq+=("$OUT/comp25-$l-$b-heavy8-refit.safetensors")
done
wn_all refitq "${refitq[@]}"

# How much of the original model's top 10 each model keeps (per query, all of WordNet): for every
# compensated split (whitened at its chosen share), its refit variant and its vanilla twin.
agree=()
for n in svd-r0.1 whiten-r0.1-up$sc whiten-refit-r0.1 awq-3-heavy8 rtn-3-heavy8 awq-4-heavy8 rtn-4-heavy8; do
  agree+=("$OUT/comp25-$n.safetensors")
done
agree+=("${refitq[@]}")
agree+=("$EXP/vanilla-svd-r0.1.safetensors" "$OUT/vanilla-whiten-r107-up$sv.safetensors")
for n in whiten-refit-r0.1 awq-3 rtn-3 awq-4 rtn-4; do
  agree+=("$EXP/vanilla-$n.safetensors")
done
wn_all agree "${agree[@]}"

# The same on e5-small-v2 (12 layers, its own calibration of the same 1,000 texts): fidelity and the
# 300-query slice, in OUT_DIR/e5 (e5's retrieval on this task does not follow fidelity: Table D).
(
  OUT="$OUT/e5"; MODEL=e5-small-v2; CAL="$OUT/calibration.safetensors"; ERR="$OUT/err.txt"
  mkdir -p "$OUT"; touch "$OUT/results.jsonl"
  [ -f "$CAL" ] || ./ffnkit calibrate --model $MODEL --calib-limit 1000 --out "$CAL" 2>>"$ERR"
  done_already original "$OUT/results.jsonl" || measure original 0 $MODEL
  run split25-whiten-r0.1 0.25 --rank 0.1 --whiten
  run comp25-whiten-r0.1 0.25 --rank 0.1 --whiten --compensate
  run vanilla-whiten-r0.1 0 --match-params "$OUT/comp25-whiten-r0.1.safetensors" --whiten
  for l in awq rtn; do
    run "split25-$l-3-heavy8" 0.25 --light $l --bits 3 --heavy-bits 8
    run "comp25-$l-3-heavy8" 0.25 --light $l --bits 3 --heavy-bits 8 --compensate
    run "comp25-$l-3-heavy8-refit" 0.25 --light $l --bits 3 --heavy-bits 8 --compensate --refit
    run "vanilla-$l-3" 0 --light $l --bits 3
  done
)
python3 scripts/render-ffsplit-small-heavy.py --compensate "$OUT" "$EXP"
echo "results: $OUT/results.jsonl, $OUT/wordnet-all/" >&2
