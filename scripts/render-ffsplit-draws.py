#!/usr/bin/env python3
"""Renders the calibration-draw table of docs/RESULTS.md (Table E: AWQ 3-bit, RTN 4-bit) from the outputs of
scripts/ffsplit-calibration-draws.sh: per draw of calibration texts, the compensated split (and the
same split refit) against the vanilla twin calibrated on the same draw, and the original against that
twin, on all WordNet queries (paired per query: mean difference, SE, normal 95% CI); then the same
for the draws' averages (each query's nDCG@10 averaged over the four models of a kind first).
Usage: scripts/render-ffsplit-draws.py [OUT_DIR [LIGHT BITS]]   (defaults /tmp/ffsplit-draws, awq 3)
"""
import sys

from perquery_stats import columns, mean_se

OUT = sys.argv[1] if len(sys.argv) > 1 else '/tmp/ffsplit-draws'
LIGHT, BITS = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ('awq', '3')
METHOD = f'{LIGHT}-{BITS}'
GROUP = f'draws-{METHOD}'
DRAWS = range(4)


def mean(v):
    return sum(v) / len(v)


def pair(a, b):
    m, se = mean_se([x - y for x, y in zip(a, b)])
    return f"{m:+.4f} ({se:.4f}) [{m - 1.96 * se:+.4f}, {m + 1.96 * se:+.4f}]"


def average(cols):
    return [sum(v) / len(cols) for v in zip(*cols)]


nd = columns(f'{OUT}/wordnet-all/perquery_{GROUP}.tsv')
cos = columns(f'{OUT}/wordnet-all/cosines_{GROUP}.tsv')
ag = columns(f'{OUT}/wordnet-all/agreement_{GROUP}.tsv')
orig = nd['all-minilm-l6-v2']
n = len(orig)
print(f"| calibration draw ({LIGHT.upper()} {BITS}-bit; all WordNet: {n:,} queries) | mean cos split / refit / twin "
      "| top-10 agreement split / refit / twin | nDCG@10 split / refit / twin | split - twin (SE) [95% CI] "
      "| split + refit - twin (SE) [95% CI] | original - twin (SE) [95% CI] |")
print("|---|---|---|---|---|---|---|")
kinds = {k: [] for k in ('split', 'refit', 'twin')}
for d in DRAWS:
    names = {'split': f'draw{d}-comp25-{METHOD}-heavy8', 'refit': f'draw{d}-comp25-{METHOD}-heavy8-refit',
             'twin': f'draw{0 if LIGHT == "rtn" else d}-vanilla-{METHOD}'}  # RTN needs no calibration
    if any(v not in nd for v in names.values()):
        continue
    for k, v in names.items():
        kinds[k].append(nd[v])
    s, r, t = (names[k] for k in ('split', 'refit', 'twin'))
    lines = f"lines {d * 1000 + 1:,}-{d * 1000 + 1000:,}"
    print(f"| {d} ({lines}) | {mean(cos[s]):.4f} / {mean(cos[r]):.4f} / {mean(cos[t]):.4f} "
          f"| {mean(ag[s]):.3f} / {mean(ag[r]):.3f} / {mean(ag[t]):.3f} "
          f"| {mean(nd[s]):.4f} / {mean(nd[r]):.4f} / {mean(nd[t]):.4f} "
          f"| {pair(nd[s], nd[t])} | {pair(nd[r], nd[t])} | {pair(orig, nd[t])} |")
if kinds['twin']:
    s, r, t = (average(kinds[k]) for k in ('split', 'refit', 'twin'))
    print(f"| average of the {len(kinds['twin'])} draws (per query) | | | {mean(s):.4f} / {mean(r):.4f} / {mean(t):.4f} "
          f"| {pair(s, t)} | {pair(r, t)} | {pair(orig, t)} |")
