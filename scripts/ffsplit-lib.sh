# Helpers shared by the FFSplit Table C, D and E scripts (sourced, not run, from the repo root
# with ROOT set). ffsplit_setup sets OUT, EXP, MODEL, CAL and ERR, which the others read.
# measure/run append one JSON line per model to $OUT/results.jsonl (fidelity on the parity
# sentences, retrieval on 300 queries / 3,000 docs, size); big appends the 1,000-query /
# 10,000-doc retrieval to $OUT/results_1000.jsonl; tool runs a single-file Java tool of scripts/
# on the CLI's classpath (after ./ffnkit has built it); wn_all scores a group of models on all
# WordNet queries (per-query nDCG@10 and top-10 agreement with $MODEL, per-text cosine to $MODEL,
# in $OUT/wordnet-all, which
# must hold the `ffnkit data wordnet --queries 40000` set). Rows already there are kept, so an
# interrupted run resumes.
ffsplit_setup() { # script name, default OUT_DIR, [OUT_DIR] [EXP_DIR]
  local name=$1 default=$2
  OUT=$(mkdir -p "${3:-$default}" && cd "${3:-$default}" && pwd)
  EXP=$(cd "${4:-/tmp/ffsplit-experiment}" 2>/dev/null && pwd) || EXP=${4:-/tmp/ffsplit-experiment}
  MODEL=all-minilm-l6-v2
  CAL="$EXP/calibration.safetensors"
  if [ ! -f "$CAL" ]; then
    echo "$name: error: $CAL is missing: run scripts/ffsplit-experiment.sh $EXP first" >&2
    exit 1
  fi
  touch "$OUT/results.jsonl" "$OUT/results_1000.jsonl"
  ERR="$OUT/err.txt"
}
done_already() { grep -q "\"name\": \"$1\"" "$2"; }

measure() { # name, heavy fraction, model file, size json
  local fid ret
  fid=$(./ffnkit eval --model "$3" --reference $MODEL --task fidelity --data datasets/parity/sentences.txt --json 2>>"$ERR")
  ret=$(./ffnkit eval --model "$3" --limit-queries 300 --corpus-limit 3000 --json 2>>"$ERR")
  python3 - "$1" "$2" "$fid" "$ret" "${4:-{\}}" >> "$OUT/results.jsonl" <<'PY'
import json, sys
name, heavy, fid, ret, size = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(json.dumps({"name": name, **size, "heavy": heavy, "mean_cosine": fid["mean_cosine"], "p01_cosine": fid["p01_cosine"],
                  "ndcg_at_10": ret["ndcg_at_10"], "mrr_at_10": ret["mrr_at_10"]}))
PY
}
run() { # name, heavy fraction, flags...
  local name=$1 heavy=$2; shift 2
  done_already "$name" "$OUT/results.jsonl" && return 0
  echo "compress $name: --heavy $heavy $*" >&2
  local size limit=()
  # a refit reads the calibration texts again: the same 1,000 as the saved statistics
  [[ " $* " == *" --refit "* ]] && limit=(--calib-limit 1000)
  size=$(./ffnkit compress --model $MODEL --calibration "$CAL" ${limit[@]+"${limit[@]}"} --out "$OUT/$name.safetensors" --json \
    --heavy "$heavy" "$@" 2>>"$ERR")
  measure "$name" "$heavy" "$OUT/$name.safetensors" "$size"
}
big() { # name, model: 1,000 queries, 10,000 docs
  done_already "$1" "$OUT/results_1000.jsonl" && return 0
  echo "eval (1000 q) $1" >&2
  local ret
  ret=$(./ffnkit eval --model "$2" --limit-queries 1000 --corpus-limit 10000 --json 2>>"$ERR")
  python3 - "$1" "$ret" >> "$OUT/results_1000.jsonl" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
print(json.dumps({"name": sys.argv[1], "ndcg_at_10_1000": r["ndcg_at_10"], "mrr_at_10_1000": r["mrr_at_10"],
                  "recall_at_10_1000": r.get("recall_at_10"), "raw": r}))
PY
}
tool() { # source file, args...
  . "$ROOT/scripts/java-env.sh"
  find_jdk25
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -XX:+UseParallelGC -Dffnkit.home="$ROOT" \
    -cp "$ROOT/ffnkit-cli/target/classes:$(cat "$ROOT/ffnkit-cli/target/classpath.txt")" "$@"
}
wn_all() { # group name, models...
  local group=$1; shift
  [ -s "$OUT/wordnet-all/perquery_$group.tsv" ] && return 0
  echo "per-query nDCG@10 and per-text cosine, all WordNet, $group" >&2
  PERQUERY_DATASET="$OUT/wordnet-all/wordnet-gloss-example" PERQUERY_COSINES="$OUT/wordnet-all/cosines_$group.tsv" \
    PERQUERY_AGREEMENT="$OUT/wordnet-all/agreement_$group.tsv" \
    tool scripts/PerQuery.java 40000 100000 "$OUT/wordnet-all/perquery_$group.tsv.tmp" $MODEL "$@" 2>>"$ERR"
  mv "$OUT/wordnet-all/perquery_$group.tsv.tmp" "$OUT/wordnet-all/perquery_$group.tsv"
}
