#!/usr/bin/env bash
# Regenerates Table D of docs/RESULTS.md on all-MiniLM-L6-v2: FFSplit whose heavy neurons are
# chosen by the light method's own error (--importance light-error) against the vanilla method at
# the same budget (--match-params) and, for quantisation, against vanilla models that spend about
# the split's extra bytes on finer groups. Same calibration, fidelity sentences and query slices as
# Tables A-C; a 1,000-query protocol and per-query nDCG@10 for the paired tests.
#
# Needs the OUT of scripts/ffsplit-experiment.sh (EXP_DIR, for its calibration.safetensors). Output
# in OUT_DIR: results.jsonl (300 queries / 3,000 docs), results_1000.jsonl, perquery_1000.tsv,
# perquery_all.tsv (the whole set, for the pairs of the rule), wordnet-all/ (the pairs on all 32,324
# WordNet queries: per-query nDCG@10 and per-text cosines), the models and err.txt, and e5/ (the
# rules on e5-small-v2: fidelity, 300 queries); prints the tables at the end
# (scripts/render-ffsplit-small-heavy.py --light-error). About two hours on 2 cores; an interrupted
# run resumes.
# Usage: scripts/ffsplit-light-error.sh [OUT_DIR] [EXP_DIR]
#        (defaults /tmp/ffsplit-light-error and /tmp/ffsplit-experiment)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/ffsplit-lib.sh
ffsplit_setup ffsplit-light-error /tmp/ffsplit-light-error "$@"
LE="--importance light-error"

# Low rank at the vanilla r107 budget (FFN params <= 2,476,800): 31 or 46 heavy neurons per layer.
for hr in 0.02:102 0.03:100; do
  h=${hr%%:*}; r=${hr#*:}
  run "le$h-whiten-r$r" "$h" --rank "$r" --whiten $LE
  run "le$h-whiten-refit-r$r" "$h" --rank "$r" --whiten --refit $LE
done
# Quantised light part, heavy part 8-bit.
for lb in awq:3 rtn:3 awq:4 rtn:4; do
  l=${lb%%:*}; b=${lb#*:}
  for h in 0.01 0.05; do
    run "le$h-$l-$b-heavy8" "$h" --light "$l" --bits "$b" --heavy-bits 8 $LE
  done
done
# Same-budget vanilla twins. Low rank: both splits match rank 107. Quantised: the 5% split spends
# the most bytes; its twin's bit width is the 1% split's too (the split always spends more bytes
# than the vanilla model at its own bit width).
run vanilla-match-le0.02-whiten-r102 0 --match-params "$OUT/le0.02-whiten-r102.safetensors" --whiten
run vanilla-match-le0.02-whiten-refit-r102 0 --match-params "$OUT/le0.02-whiten-refit-r102.safetensors" --whiten --refit
for lb in awq:3 rtn:3 awq:4 rtn:4; do
  l=${lb%%:*}; b=${lb#*:}
  run "vanilla-match-le0.05-$l-$b-heavy8" 0 --match-params "$OUT/le0.05-$l-$b-heavy8.safetensors" --light "$l" --bits "$b"
done
# Vanilla spending about the split's extra bytes on finer groups instead.
run vanilla-awq-3-g96 0 --light awq --bits 3 --group 96
run vanilla-rtn-3-g96 0 --light rtn --bits 3 --group 96
run vanilla-awq-4-g64 0 --light awq --bits 4 --group 64
run vanilla-rtn-4-g64 0 --light rtn --bits 4 --group 64

# 1,000 queries / 10,000 docs, and per-query nDCG@10 for the paired tests (one run writes the file).
big original $MODEL
for f in "$OUT"/*.safetensors; do
  big "$(basename "$f" .safetensors)" "$f"
done
if [ ! -s "$OUT/perquery_1000.tsv" ]; then
  echo "per-query nDCG@10" >&2
  tool scripts/PerQuery.java 1000 10000 "$OUT/perquery_1000.tsv.tmp" $MODEL "$OUT"/*.safetensors 2>>"$ERR"
  mv "$OUT/perquery_1000.tsv.tmp" "$OUT/perquery_1000.tsv"
fi
# W: the pairs of the rule (2% heavy for low rank, 5% quantised) on the whole set, 3,000 queries and
# 48,152 documents (a 2x larger query sample that contains the 1,000 above).
pairs=()
for n in le0.02-whiten-r102 vanilla-match-le0.02-whiten-r102 le0.02-whiten-refit-r102 \
         vanilla-match-le0.02-whiten-refit-r102; do
  pairs+=("$OUT/$n.safetensors")
done
for lb in awq-3 rtn-3 awq-4 rtn-4; do
  pairs+=("$OUT/le0.05-$lb-heavy8.safetensors" "$OUT/vanilla-match-le0.05-$lb-heavy8.safetensors")
done
if [ ! -s "$OUT/perquery_all.tsv" ]; then
  echo "per-query nDCG@10, whole set" >&2
  tool scripts/PerQuery.java 3000 100000 "$OUT/perquery_all.tsv.tmp" $MODEL "${pairs[@]}" 2>>"$ERR"
  mv "$OUT/perquery_all.tsv.tmp" "$OUT/perquery_all.tsv"
fi
# X: the same pairs, and Table A's 25% splits with the largest fidelity gaps, on all 32,324 eligible
# WordNet synsets as queries (their definitions; same 48,152 example sentences as documents): per-query nDCG@10 and per-text cosine
# to the original model (queries and documents, 80,476 texts), about 3 minutes per model. Building
# that query set reads WordNet itself (Debian package wordnet-base, /usr/share/wordnet).
[ -f "$OUT/wordnet-all/wordnet-gloss-example/queries.jsonl" ] ||
  ./ffnkit data wordnet --queries 40000 --out "$OUT/wordnet-all" 2>>"$ERR"
wn_all rule "${pairs[@]}"
wn_all table-a "$EXP/split25-svd-r0.1.safetensors" "$EXP/vanilla-svd-r0.1.safetensors" \
  "$EXP/split25-awq-3-heavy8.safetensors" "$EXP/vanilla-awq-3.safetensors" \
  "$EXP/split25-rtn-3-heavy8.safetensors" "$EXP/vanilla-rtn-3.safetensors"
# E: the same rules on e5-small-v2 (12 layers, its own calibration of the same 1,000 texts):
# fidelity and the 300-query slice, in OUT_DIR/e5.
(
  OUT="$OUT/e5"; MODEL=e5-small-v2; CAL="$OUT/calibration.safetensors"; ERR="$OUT/err.txt"
  mkdir -p "$OUT"; touch "$OUT/results.jsonl"
  [ -f "$CAL" ] || ./ffnkit calibrate --model $MODEL --calib-limit 1000 --out "$CAL" 2>>"$ERR"
  done_already original "$OUT/results.jsonl" || measure original 0 $MODEL
  run le0.02-whiten-r102 0.02 --rank 102 --whiten $LE
  run split0.02-whiten-r102 0.02 --rank 102 --whiten
  run vanilla-match-le0.02-whiten-r102 0 --match-params "$OUT/le0.02-whiten-r102.safetensors" --whiten
  run le0.02-whiten-refit-r102 0.02 --rank 102 --whiten --refit $LE
  run vanilla-match-le0.02-whiten-refit-r102 0 --match-params "$OUT/le0.02-whiten-refit-r102.safetensors" --whiten --refit
  for l in awq rtn; do
    run "le0.05-$l-3-heavy8" 0.05 --light $l --bits 3 --heavy-bits 8 $LE
    run "split0.05-$l-3-heavy8" 0.05 --light $l --bits 3 --heavy-bits 8
    run "vanilla-match-le0.05-$l-3-heavy8" 0 --match-params "$OUT/le0.05-$l-3-heavy8.safetensors" --light $l --bits 3
  done
)
python3 scripts/render-ffsplit-small-heavy.py --light-error "$OUT" "$EXP"
echo "results: $OUT/results.jsonl, $OUT/results_1000.jsonl, $OUT/perquery_1000.tsv" >&2
