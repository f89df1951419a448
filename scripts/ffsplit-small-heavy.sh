#!/usr/bin/env bash
# Regenerates Table C of docs/RESULTS.md on all-MiniLM-L6-v2: FFSplit with small heavy sets
# (0.2-10% of the neurons) against the vanilla method at the same budget, plus the controls
# (finer-group vanilla, fp32 heavy parts, random heavy sets), a 1,000-query retrieval protocol for
# every model and per-query nDCG@10 for paired tests. Prints both tables of Table C at the end.
#
# Needs the OUT of scripts/ffsplit-experiment.sh (EXP_DIR): its calibration.safetensors (1,000
# calibration sentences, shared so that both tables use the same heavy sets and whitening), its
# results.jsonl (the original and the 25% rows of Tables A/B) and its models (re-measured on the
# 1,000-query protocol and in the paired tests). Run that script first.
#
# Output in OUT_DIR: one JSON line per model in results.jsonl (fidelity on the parity sentences,
# retrieval on 300 queries / 3,000 docs, size), results_1000.jsonl (1,000 queries / 10,000 docs),
# perquery_1000.tsv (per-query nDCG@10), the models, and each tool's stderr in err.txt.
# Rows already in the results are kept: an interrupted run resumes. About an hour on 2 cores.
# Phases, in order: A (whitened / refit low rank at the r107 budget), S (plain SVD), B (quantised,
# heavy 8-bit), X (heavy 0.2/0.5%, fp32 heavy parts, finer-group vanilla), T and M (same-budget
# vanilla twins via --match-params), R (random heavy sets, scripts/RandomSplit.java), Y (1,000
# queries for every model, the original and the EXP_DIR models), PQ (scripts/PerQuery.java).
# Usage: scripts/ffsplit-small-heavy.sh [OUT_DIR] [EXP_DIR]
#        (defaults /tmp/ffsplit-small-heavy and /tmp/ffsplit-experiment)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/ffsplit-lib.sh
ffsplit_setup ffsplit-small-heavy /tmp/ffsplit-small-heavy "$@"

# A: light rank chosen so the FFN params stay <= the vanilla r107 budget (2,476,800).
for hr in 0.01:104 0.03:100 0.05:95 0.10:82; do
  h=${hr%%:*}; r=${hr#*:}
  run "split$h-whiten-r$r" "$h" --rank "$r" --whiten
  run "split$h-whiten-refit-r$r" "$h" --rank "$r" --whiten --refit
done
# S: plain SVD at the same budget.
run split0.01-svd-r104 0.01 --rank 104
run split0.03-svd-r100 0.03 --rank 100
run split0.10-svd-r82 0.10 --rank 82
# B: quantised light part, heavy part 8-bit.
for lb in rtn:3 awq:3 rtn:4 awq:4; do
  l=${lb%%:*}; b=${lb#*:}
  for h in 0.01 0.03 0.05; do
    run "split$h-$l-$b-heavy8" "$h" --light "$l" --bits "$b" --heavy-bits 8
  done
done
# X: even smaller heavy sets (3 and 8 neurons per layer) ...
run split0.002-whiten-r106 0.002 --rank 106 --whiten
run split0.002-whiten-refit-r106 0.002 --rank 106 --whiten --refit
run split0.005-whiten-r105 0.005 --rank 105 --whiten
run split0.005-whiten-refit-r105 0.005 --rank 105 --whiten --refit
# ... the heavy part exact (fp32): with group 128, an 8-bit heavy part of 15 rows is padded to a full 128-row group ...
for lb in rtn:3 awq:3 rtn:4 awq:4; do
  l=${lb%%:*}; b=${lb#*:}
  run "split0.01-$l-$b-heavy32" 0.01 --light "$l" --bits "$b" --heavy-bits 32
done
# ... and vanilla spending (nearly) the split's extra bytes on finer groups instead of heavy neurons.
run vanilla-rtn-3-g96 0 --light rtn --bits 3 --group 96
run vanilla-awq-3-g96 0 --light awq --bits 3 --group 96
run vanilla-rtn-4-g64 0 --light rtn --bits 4 --group 64
run vanilla-awq-4-g64 0 --light awq --bits 4 --group 64
# T, M: same-budget vanilla twins (--match-params picks the rank / keeps the bit width of the split).
for f in split0.002-whiten-r106 split0.01-whiten-r104 split0.03-whiten-r100 split0.05-whiten-r95 split0.10-whiten-r82; do
  run "vanilla-match-$f" 0 --match-params "$OUT/$f.safetensors" --whiten
done
for f in split0.002-whiten-refit-r106 split0.01-whiten-refit-r104 split0.03-whiten-refit-r100 split0.05-whiten-refit-r95 \
         split0.10-whiten-refit-r82; do
  run "vanilla-match-$f" 0 --match-params "$OUT/$f.safetensors" --whiten --refit
done
run vanilla-match-split0.03-svd-r100 0 --match-params "$OUT/split0.03-svd-r100.safetensors"
for lb in rtn:3 awq:3 rtn:4 awq:4; do
  l=${lb%%:*}; b=${lb#*:}
  run "vanilla-match-split0.05-$l-$b-heavy8" 0 --match-params "$OUT/split0.05-$l-$b-heavy8.safetensors" --light "$l" --bits "$b"
done

# The Java tools (tool, scripts/ffsplit-lib.sh) run as single-file sources on the CLI's classpath.
# R: random heavy sets of the same size, RTN 3/4-bit ("top" = the output-norm set, a check of the tool).
rs() { # name, heavy fraction, bits, seed|top
  done_already "$1" "$OUT/results.jsonl" && return 0
  echo "randomsplit $1" >&2
  local size
  size=$(tool scripts/RandomSplit.java "$2" "$3" "$4" "$CAL" "$OUT/$1.safetensors" 2>>"$ERR")
  measure "$1" "$2" "$OUT/$1.safetensors" "$size"
}
rs check-top0.05-rtn-3 0.05 3 top
rs random0.05-rtn-3-s1 0.05 3 1
rs random0.05-rtn-3-s2 0.05 3 2
rs random0.25-rtn-3-s1 0.25 3 1
rs random0.25-rtn-3-s2 0.25 3 2
rs random0.05-rtn-4-s1 0.05 4 1
rs random0.25-rtn-4-s1 0.25 4 1

# Y: 1,000 queries / 10,000 docs for the original, every model here and the EXP_DIR models of Tables A/B.
big original $MODEL
for f in "$OUT"/split*.safetensors "$OUT"/vanilla*.safetensors "$OUT"/check-*.safetensors "$OUT"/random*.safetensors; do
  [ -f "$f" ] && big "$(basename "$f" .safetensors)" "$f"
done
for n in vanilla-whiten-r0.1 vanilla-whiten-refit-r0.1 vanilla-svd-r0.1 split25-whiten-r0.1 split25-whiten-refit-r0.1 split25-svd-r0.1 \
         vanilla-rtn-3 vanilla-rtn-4 vanilla-awq-3 vanilla-awq-4 split25-rtn-3-heavy8 split25-rtn-4-heavy8 split25-awq-3-heavy8 \
         split25-awq-4-heavy8; do
  big "exp:$n" "$EXP/$n.safetensors"
done

# PQ: per-query nDCG@10 (1,000 queries, 10,000 docs) of the models in the paired tests; one run writes the whole file.
if [ ! -s "$OUT/perquery_1000.tsv" ]; then
  echo "per-query nDCG@10" >&2
  tool scripts/PerQuery.java 1000 10000 "$OUT/perquery_1000.tsv.tmp" $MODEL \
    "$OUT/split0.002-whiten-r106.safetensors" "$OUT/vanilla-match-split0.01-whiten-r104.safetensors" "$EXP/vanilla-whiten-r0.1.safetensors" \
    "$OUT/split0.002-whiten-refit-r106.safetensors" "$OUT/vanilla-match-split0.01-whiten-refit-r104.safetensors" \
    "$EXP/vanilla-whiten-refit-r0.1.safetensors" \
    "$EXP/split25-svd-r0.1.safetensors" "$OUT/split0.10-svd-r82.safetensors" "$EXP/vanilla-svd-r0.1.safetensors" \
    "$OUT/split0.01-rtn-3-heavy32.safetensors" "$EXP/split25-rtn-3-heavy8.safetensors" "$EXP/vanilla-rtn-3.safetensors" \
    "$OUT/split0.05-awq-3-heavy8.safetensors" "$EXP/split25-awq-3-heavy8.safetensors" "$EXP/vanilla-awq-3.safetensors" \
    "$OUT/split0.05-rtn-4-heavy8.safetensors" "$EXP/vanilla-rtn-4.safetensors" \
    "$OUT/split0.03-awq-4-heavy8.safetensors" "$EXP/vanilla-awq-4.safetensors" "$OUT/vanilla-awq-4-g64.safetensors" \
    2>>"$ERR"
  mv "$OUT/perquery_1000.tsv.tmp" "$OUT/perquery_1000.tsv"
fi

python3 scripts/render-ffsplit-small-heavy.py "$OUT" "$EXP"
echo "results: $OUT/results.jsonl, $OUT/results_1000.jsonl, $OUT/perquery_1000.tsv" >&2
