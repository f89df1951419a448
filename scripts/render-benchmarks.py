#!/usr/bin/env python3
"""Turns docs/bench-raw/ (written by scripts/bench-all.sh) into the tables of docs/BENCHMARKS.md."""
import json, re, sys, pathlib

raw = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/bench-raw")

def load(name):
    p = raw / name
    return json.loads(p.read_text()) if p.exists() else None

print("### Whole model vs ONNX Runtime (all-MiniLM-L6-v2)\n")
print("| threads | batch | seq | ours ms | ORT ms | speedup vs ORT | ours GFLOP/s | ORT GFLOP/s | seq/s | peak RSS MB |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for t in (2, 1):
    d = load(f"bench-minilm-t{t}.json")
    if not d:
        continue
    for r in d["results"]:
        print(f"| {r['threads']} | {r['batch']} | {r['seq']} | {r['ms']:.1f} | {r['ort_ms']:.1f} | "
              f"**{r['speedup_vs_ort']:.2f}x** | {r['gflops']:.1f} | {r['ort_gflops']:.1f} | {r['sequences_per_s']:.1f} | {r['peak_rss_mb']} |")

jmh = raw / "jmh-gemm.txt"
if jmh.exists():
    print("\n### GEMM vs measured FMA peak (JMH)\n")
    print("```")
    text = jmh.read_text()
    start = text.find("ffnkit kernel summary")
    summary = text[start:] if start >= 0 else text
    print(summary.strip())
    print("```")

def fff(name, title):
    d = load(name)
    if not d:
        return
    print(f"\n### {title}\n")
    print(f"d={d['d']}, width={d['width']}, threads={d['threads']}, species {d['species']}\n")
    print("| FFF | tokens | dense ms | FFF ms | speedup | neurons/token | max abs err vs reference |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in d["results"]:
        print(f"| {r['fff']} | {r['tokens']} | {r['dense_ms']:.3f} | {r['fff_ms']:.3f} | **{r['speedup']:.1f}x** | {r['neurons_per_token']} | {r['max_abs_error']:.1e} |")

fff("fff-bert-base.json", "Fast feedforward 1x11 at BERT-base width")
fff("fff-shapes.json", "Tree shapes at 16384 tokens, BERT-base width")
fff("fff-minilm.json", "Fast feedforward at the all-MiniLM-L6-v2 shape")

def lookup(names, title):
    rows = []
    head = None
    for n in names:
        d = load(n)
        if not d:
            continue
        head = head or d
        for r in d["results"]:
            rows.append((d["tables"], d["bits"], d.get("table_format", "f32"), r))
    if not rows:
        return
    print(f"\n### {title}\n")
    print(f"d={head['d']}, width={head['width']}, projection {head['projection']}, threads={head['threads']}, species {head['species']}\n")
    print("| tables x bits | table format | tokens | dense ms | lookup ms | speedup | FLOPs/token dense | FLOPs/token lookup | FLOP ratio | max abs err (max abs y) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for h, b, fmt, r in rows:
        print(f"| {h}x{b} | {fmt} | {r['tokens']} | {r['dense_ms']:.3f} | {r['lookup_ms']:.3f} | **{r['speedup']:.2f}x** | "
              f"{r['flops_per_token_dense']} | {r['flops_per_token_lookup']} | {r['flops_per_token_dense']/r['flops_per_token_lookup']:.1f}x | "
              f"{r['max_abs_error']:.1e} ({r['max_abs_output']:.2f}) |")

lookup(["lookup-d512.json", "lookup-d512-bf16.json", "lookup-h32.json", "lookup-h64.json", "lookup-h256.json"], "LookupFFN at d 512 / width 2048")
lookup(["lookup-minilm.json"], "LookupFFN at the all-MiniLM-L6-v2 shape")

print("\n### Compressed models (FFSplit) vs our dense engine (same process) and ONNX Runtime, 2 threads\n")
print("| model | batch | seq | ms | dense ms | speedup vs dense | ORT ms | speedup vs ORT |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for p in sorted(raw.glob("bench-split*.json")) + sorted(raw.glob("bench-vanilla*.json")):
    d = json.loads(p.read_text())
    for r in d["results"]:
        dm = r.get("baseline_ms", float("nan"))
        print(f"| {p.stem[6:]} | {r['batch']} | {r['seq']} | {r['ms']:.1f} | {dm:.1f} | **{dm / r['ms']:.2f}x** | {r['ort_ms']:.1f} | **{r['speedup_vs_ort']:.2f}x** |")
