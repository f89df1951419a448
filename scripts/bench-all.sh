#!/usr/bin/env bash
# Regenerates every number in docs/BENCHMARKS.md: run on an otherwise idle machine.
# Raw outputs land in docs/bench-raw/ (JSON / text), stamped with date and machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/java-env.sh
find_jdk25
OUT=docs/bench-raw
mkdir -p "$OUT"
{ date -u; lscpu | head -20; "$JAVA_HOME/bin/java" -version 2>&1; } > "$OUT/machine.txt"

# 1. Whole model vs ONNX Runtime (issue 3): batch 8/32 x seq 128/256, threads 2 and 1
for t in 2 1; do
  ./ffnkit bench --model all-minilm-l6-v2 --batch 8,32 --seq 128,256 --threads "$t" --vs-onnxruntime \
    --repetitions 9 --warmup 2 --json > "$OUT/bench-minilm-t$t.json"
done

# 2. GEMM vs the measured FMA peak (JMH)
mvn -q -B -pl ffnkit-bench -am package -DskipTests
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar ffnkit-bench/target/benchmarks.jar \
  FmaPeak GemmBench -p m=1024,8192 -p shape=384x1536,1536x384 -wi 2 -i 3 -r 1 > "$OUT/jmh-gemm.txt" 2>&1

# 3. FFN layers: fast feedforward trees (issue 7) and LookupFFN (issue 8)
./ffnkit bench-ffn --d 768 --width 3072 --fff 1x11 --tokens 1,128,1024,16384 --json > "$OUT/fff-bert-base.json"
./ffnkit bench-ffn --d 768 --width 3072 --fff 1x11,4x8,16x6,64x4 --tokens 16384 --json > "$OUT/fff-shapes.json"
./ffnkit bench-ffn --d 384 --width 1536 --fff 1x10 --tokens 1,128,1024,16384 --json > "$OUT/fff-minilm.json"
./ffnkit bench-ffn --d 512 --width 2048 --lookup 128x8 --tokens 1,128,1024,32768 --json > "$OUT/lookup-d512.json"
./ffnkit bench-ffn --d 512 --width 2048 --lookup 128x8 --tokens 1,128,1024,32768 --table-format bf16 --json > "$OUT/lookup-d512-bf16.json"
for h in 32 64 256; do
  ./ffnkit bench-ffn --d 512 --width 2048 --lookup "${h}x8" --tokens 32768 --json > "$OUT/lookup-h$h.json"
done
./ffnkit bench-ffn --d 384 --width 1536 --lookup 128x8 --tokens 1,1024,32768 --json > "$OUT/lookup-minilm.json"
# 4. Compressed models from scripts/ffsplit-experiment.sh (if present): our dense model in the same
#    process (--vs-model) and ONNX Runtime, batch 8/32 x seq 128/256, 2 threads
FFSPLIT_DIR=${FFSPLIT_DIR:-/tmp/ffsplit-experiment}
for name in split25-whiten-refit-r0.1 vanilla-whiten-refit-r0.1 split25-svd-r0.1 split25-whiten-refit-r0.5 split25-awq-4-heavy8; do
  if [ -f "$FFSPLIT_DIR/$name.safetensors" ]; then
    ./ffnkit bench --model "$FFSPLIT_DIR/$name.safetensors" --vs-model all-minilm-l6-v2 --batch 8,32 --seq 128,256 \
      --threads 2 --vs-onnxruntime --repetitions 6 --warmup 2 --json > "$OUT/bench-$name.json"
  fi
done
# 5. ONNX Runtime's process-to-process spread at 8 x 128 (2 and 1 threads), and where our time goes (1 thread)
{ date -u; uptime; scripts/ort-variance.sh 6 2; } > "$OUT/ort-variance.txt"
{ date -u; uptime; scripts/ort-variance.sh 4 1; } > "$OUT/ort-variance-t1.txt"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
  -cp "ffnkit-cli/target/classes:$(cat ffnkit-cli/target/classpath.txt)" scripts/EncoderStageTiming.java 1 8 128 \
  > "$OUT/encoder-stages-t1.txt" 2>/dev/null
echo "done: $OUT"
