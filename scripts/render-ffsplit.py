#!/usr/bin/env python3
"""Turns the results.jsonl of scripts/ffsplit-experiment.sh into the FFSplit table of docs/RESULTS.md."""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ffsplit-experiment/results.jsonl")]
base = next(r for r in rows if r["name"] == "baseline")
print("| model | method | FFN params | FFN MB | weights MB | mean cos | p01 cos | nDCG@10 | Δ nDCG@10 | MRR@10 |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    method = r.get("method", "original (dense)")
    ffn_mb = r.get("ffn_bytes_after", 4 * 7089408) / 1e6
    print(f"| {r['name']} | {method} | {r['ffn_params_after']:,} | {ffn_mb:.2f} | {r['bytes_after']/1e6:.2f} | "
          f"{r['mean_cosine']:.4f} | {r['p01_cosine']:.4f} | {r['ndcg_at_10']:.4f} | {r['ndcg_at_10']-base['ndcg_at_10']:+.4f} | {r['mrr_at_10']:.4f} |")
