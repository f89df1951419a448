"""Shared by the render scripts: the per-query TSVs of scripts/PerQuery.java and the paired statistics on them."""
import csv, math, os


def columns(path):
    """One list of values per model (header: model file names; first column: the query or text id)."""
    tsv = list(csv.reader(open(path), delimiter='\t'))
    hdr = [os.path.basename(h).replace('.safetensors', '') for h in tsv[0]]
    return {hdr[j]: [float(r[j]) for r in tsv[1:]] for j in range(1, len(hdr))}


def mean_se(d):
    """Mean and its standard error (sample standard deviation / sqrt(n))."""
    n = len(d)
    m = sum(d) / n
    return m, math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1) / n)
