#!/usr/bin/env python3
"""Fidelity beyond the cosine to the original: how well a compressed model keeps the *similarity
structure* of a text set, which is what retrieval reads. For each model: mean cosine of each text's
embedding to the original's, the Pearson and Spearman correlation of all pairwise similarities with
the original's, the mean |change| of a pairwise similarity, and the mean overlap of each text's 10
nearest neighbours with the original's. (docs/RESULTS.md, Table D, "All of WordNet".)

Input: `ffnkit embed --output` files (one JSON line per text), the original model's first.
Usage:
  for m in all-minilm-l6-v2 A.safetensors B.safetensors; do
    ./ffnkit embed --model $m --input datasets/parity/sentences.txt --output /tmp/fs/$(basename $m).jsonl
  done
  scripts/fidelity-structure.py /tmp/fs/all-minilm-l6-v2.jsonl /tmp/fs/A.safetensors.jsonl /tmp/fs/B.safetensors.jsonl
"""
import json, os, sys
import numpy as np


def load(path):
    e = np.array([json.loads(line)['embedding'] for line in open(path)])
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def ranks(x):
    r = np.empty(len(x))
    r[np.argsort(x, kind='stable')] = np.arange(len(x))
    return r


def structure(original, model, k=10):
    so, s = original @ original.T, model @ model.T
    iu = np.triu_indices(len(original), 1)
    a, b = so[iu], s[iu]
    np.fill_diagonal(so, -np.inf)
    np.fill_diagonal(s, -np.inf)
    top_o, top_m = np.argsort(-so, axis=1)[:, :k], np.argsort(-s, axis=1)[:, :k]
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(top_o, top_m)])
    return ((model * original).sum(1).mean(), np.corrcoef(a, b)[0, 1], np.corrcoef(ranks(a), ranks(b))[0, 1],
            np.abs(a - b).mean(), overlap)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    original = load(sys.argv[1])
    print("| model | mean cos | pairwise sim Pearson | Spearman | mean abs change | top-10 neighbour overlap |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in sys.argv[2:]:
        model = load(path)
        if model.shape != original.shape:
            sys.exit(f"{path}: {model.shape[0]} x {model.shape[1]} embeddings, the original has "
                     f"{original.shape[0]} x {original.shape[1]}: embed the same texts")
        name = os.path.basename(path).removesuffix('.jsonl').removesuffix('.safetensors')
        print(f"| {name} | " + " | ".join(f"{x:.4f}" for x in structure(original, model)) + " |")
