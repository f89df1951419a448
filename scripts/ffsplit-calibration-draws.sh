#!/usr/bin/env bash
# Table E's one decidable nDCG@10 miss (AWQ 3-bit: the original leads the vanilla twin beyond noise and
# the compensated split does not) is one split against one twin, each from one calibration sample.
# This asks whether the verdict survives other calibration samples: four disjoint draws of 1,000
# calibration glosses (lines 1-1,000, the draw of Tables A-E, then 1,001-2,000, 2,001-3,000 and
# 3,001-4,000 of datasets/calibration/wordnet-glosses.txt); per draw the AWQ 3-bit split 25%
# compensated, the same with its heavy rows refit, and the vanilla AWQ 3-bit model, all calibrated
# on that draw only; then all of them on all 32,324 WordNet queries (per-query nDCG@10, top-10
# agreement, per-text cosine, as Table E). The render prints each draw's pair and the pair of the
# draws' averages. LIGHT and BITS pick another light method (rtn 4 checks Table E's narrowest win; a
# vanilla RTN model needs no calibration, so its four twins are one model). About 40 minutes on 2
# cores; an interrupted run resumes.
# Usage: scripts/ffsplit-calibration-draws.sh [OUT_DIR] [TABLE_E_DIR] [LIGHT BITS]
#        (defaults /tmp/ffsplit-draws, /tmp/ffsplit-compensate, whose wordnet-all data set is reused,
#        and awq 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/ffsplit-lib.sh
OUT=$(mkdir -p "${1:-/tmp/ffsplit-draws}" && cd "${1:-/tmp/ffsplit-draws}" && pwd)
E=${2:-/tmp/ffsplit-compensate}
LIGHT=${3:-awq}
BITS=${4:-3}
MODEL=all-minilm-l6-v2
ERR="$OUT/err.txt"
mkdir -p "$OUT/wordnet-all"
if [ ! -f "$OUT/wordnet-all/wordnet-gloss-example/queries.jsonl" ]; then
  if [ -f "$E/wordnet-all/wordnet-gloss-example/queries.jsonl" ]; then
    cp -r "$E/wordnet-all/wordnet-gloss-example" "$OUT/wordnet-all/"
  else
    ./ffnkit data wordnet --queries 40000 --out "$OUT/wordnet-all" 2>>"$ERR"
  fi
fi

models=()
for draw in 0 1 2 3; do
  texts="$OUT/calib-draw$draw.txt"
  sed -n "$((draw * 1000 + 1)),$((draw * 1000 + 1000))p" datasets/calibration/wordnet-glosses.txt > "$texts"
  cal="$OUT/calibration-draw$draw.safetensors"
  split="$OUT/draw$draw-comp25-$LIGHT-$BITS-heavy8.safetensors"
  refit="$OUT/draw$draw-comp25-$LIGHT-$BITS-heavy8-refit.safetensors"
  twin_draw=$draw; [ "$LIGHT" != rtn ] || twin_draw=0 # a vanilla RTN model reads no calibration: one twin
  twin="$OUT/draw$twin_draw-vanilla-$LIGHT-$BITS.safetensors"
  flags=(--light "$LIGHT" --bits "$BITS")
  [ -f "$split" ] || { echo "draw $draw: split" >&2
    ./ffnkit compress --model $MODEL --calib "$texts" --save-calibration "$cal" --out "$split" \
      --heavy 0.25 --heavy-bits 8 --compensate "${flags[@]}" > /dev/null 2>>"$ERR"; }
  [ -f "$refit" ] || { echo "draw $draw: split + refit" >&2
    ./ffnkit compress --model $MODEL --calib "$texts" --out "$refit" \
      --heavy 0.25 --heavy-bits 8 --compensate --refit "${flags[@]}" > /dev/null 2>>"$ERR"; }
  [ -f "$twin" ] || { echo "draw $draw: vanilla twin" >&2
    ./ffnkit compress --model $MODEL --calibration "$cal" --out "$twin" --heavy 0 "${flags[@]}" > /dev/null 2>>"$ERR"; }
  models+=("$split" "$refit")
  if [ "$twin_draw" = "$draw" ]; then models+=("$twin"); fi
done
wn_all "draws-$LIGHT-$BITS" "${models[@]}"
python3 scripts/render-ffsplit-draws.py "$OUT" "$LIGHT" "$BITS"
