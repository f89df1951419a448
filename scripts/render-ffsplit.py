#!/usr/bin/env python3
"""Turns the output of scripts/ffsplit-experiment.sh into the FFSplit tables of docs/RESULTS.md.

Usage: scripts/render-ffsplit.py [RESULTS.jsonl] [PLOT_DIR]
Prints Table A (fidelity, retrieval, size) and, when speed.jsonl sits next to RESULTS.jsonl, the speed
columns (ms per batch, speedup vs our dense engine and vs ONNX Runtime). With PLOT_DIR, also writes
the Pareto plots (ffsplit-pareto-params.png, ffsplit-pareto-bytes.png) there with scripts/FfsplitPareto.java.
"""
import json, os, subprocess, sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ffsplit-experiment/results.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]
base = next(r for r in rows if r["name"] == "baseline")
print("| model | method | FFN params | FFN MB | weights MB | mean cos | p01 cos | nDCG@10 | Δ nDCG@10 | MRR@10 |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    method = r.get("method", "original (dense)")
    ffn_mb = r.get("ffn_bytes_after", 4 * 7089408) / 1e6
    print(f"| {r['name']} | {method} | {r['ffn_params_after']:,} | {ffn_mb:.2f} | {r['bytes_after']/1e6:.2f} | "
          f"{r['mean_cosine']:.4f} | {r['p01_cosine']:.4f} | {r['ndcg_at_10']:.4f} | {r['ndcg_at_10']-base['ndcg_at_10']:+.4f} | {r['mrr_at_10']:.4f} |")

speed_path = os.path.join(os.path.dirname(path), "speed.jsonl")
speed = [json.loads(l) for l in open(speed_path) if l.strip()] if os.path.exists(speed_path) else []
if speed:
    configs = sorted({(s["seq"], s["batch"]) for s in speed})
    names = list(dict.fromkeys(s["name"] for s in speed))
    cell = {(s["name"], s["batch"], s["seq"]): s for s in speed}
    print()
    print("ms per batch, 2 threads; in brackets the speedup vs our dense engine / vs ONNX Runtime, both timed in the")
    print("same process, alternating with the model (> 1: the model is faster).")
    print()
    print("| model | " + " | ".join(f"batch {b} x seq {q}" for q, b in configs) + " | date, load (1/5/15 min) |")
    print("|---|" + "---:|" * len(configs) + "---|")
    for n in names:
        cells = []
        for q, b in configs:
            s = cell.get((n, b, q))
            cells.append("-" if s is None else
                         f"{s['ms']:.1f} ({s['speedup_vs_dense']:.2f}x / {s['speedup_vs_ort']:.2f}x)")
        s0 = next(s for s in speed if s["name"] == n)
        print(f"| {n} | " + " | ".join(cells) + f" | {s0['date']}, {s0['load_before']} -> {s0['load_after']} |")

if len(sys.argv) > 2:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cp = os.path.join(root, "ffnkit-cli/target/classes") + ":" + open(os.path.join(root, "ffnkit-cli/target/classpath.txt")).read().strip()
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin/java")
    subprocess.run([java, "-Djava.awt.headless=true", "-cp", cp, os.path.join(root, "scripts/FfsplitPareto.java"), path,
                    sys.argv[2]], check=True)
    print(f"\nplots: {sys.argv[2]}/ffsplit-pareto-params.png, {sys.argv[2]}/ffsplit-pareto-bytes.png", file=sys.stderr)
