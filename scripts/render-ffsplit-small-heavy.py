#!/usr/bin/env python3
"""Renders Table C of docs/RESULTS.md ("Small heavy sets vs the vanilla method at the same budget")
from the outputs of scripts/ffsplit-small-heavy.sh, or with --light-error Table D (heavy sets chosen
by the light method's error) from those of scripts/ffsplit-light-error.sh: the main table (OUT/results.jsonl,
OUT/results_1000.jsonl, and the Table A/B rows of EXP/results.jsonl, in GROUPS order) and the
paired-test table (per-query nDCG@10 on 1,000 queries from OUT/perquery_1000.tsv; paired SE and a
seeded 2,000-resample bootstrap 95% CI of the difference); with --light-error also the pairs on all
WordNet queries (OUT/wordnet-all: nDCG@10 and cosine to the original per text, paired SE, normal CI).
With --compensate Table E from the outputs of scripts/ffsplit-compensate.sh: the compensated 25%
splits between Table A's split and vanilla twin, and the pairs on all WordNet queries.
Usage: scripts/render-ffsplit-small-heavy.py [--light-error | --compensate] OUT_DIR EXP_DIR
       (defaults: /tmp/ffsplit-small-heavy, /tmp/ffsplit-light-error or /tmp/ffsplit-compensate, and
       /tmp/ffsplit-experiment)
"""
import json, os, random, re, sys

from perquery_stats import columns, mean_se

LIGHT_ERROR = '--light-error' in sys.argv
COMPENSATE = '--compensate' in sys.argv
ARGS = [a for a in sys.argv[1:] if a not in ('--light-error', '--compensate')]
OUT = ARGS[0] if len(ARGS) > 0 else ('/tmp/ffsplit-light-error' if LIGHT_ERROR
                                     else '/tmp/ffsplit-compensate' if COMPENSATE else '/tmp/ffsplit-small-heavy')
EXP = ARGS[1] if len(ARGS) > 1 else '/tmp/ffsplit-experiment'

# Rows of the main table: "## title" starts a group, "exp:NAME" is a row of EXP/results.jsonl.
GROUPS = """
## Plain SVD (light rank chosen so FFN params <= 2,476,800, the vanilla r107 budget)
split0.01-svd-r104
split0.03-svd-r100
split0.10-svd-r82
exp:split25-svd-r0.1
vanilla-match-split0.03-svd-r100
## Whitened SVD
split0.002-whiten-r106
split0.005-whiten-r105
split0.01-whiten-r104
split0.10-whiten-r82
vanilla-match-split0.01-whiten-r104
split0.03-whiten-r100
split0.05-whiten-r95
exp:split25-whiten-r0.1
vanilla-match-split0.03-whiten-r100
## Whitened SVD + refit
split0.002-whiten-refit-r106
split0.005-whiten-refit-r105
split0.01-whiten-refit-r104
split0.10-whiten-refit-r82
vanilla-match-split0.01-whiten-refit-r104
split0.03-whiten-refit-r100
split0.05-whiten-refit-r95
exp:split25-whiten-refit-r0.1
vanilla-match-split0.03-whiten-refit-r100
## RTN 3-bit (g128)
split0.01-rtn-3-heavy32
split0.01-rtn-3-heavy8
split0.03-rtn-3-heavy8
split0.05-rtn-3-heavy8
random0.05-rtn-3-s1
random0.05-rtn-3-s2
exp:split25-rtn-3-heavy8
random0.25-rtn-3-s1
random0.25-rtn-3-s2
vanilla-match-split0.05-rtn-3-heavy8
vanilla-rtn-3-g96
exp:vanilla-rtn-4
## AWQ 3-bit (g128)
split0.01-awq-3-heavy32
split0.01-awq-3-heavy8
split0.03-awq-3-heavy8
split0.05-awq-3-heavy8
exp:split25-awq-3-heavy8
vanilla-match-split0.05-awq-3-heavy8
vanilla-awq-3-g96
exp:vanilla-awq-4
## RTN 4-bit (g128)
split0.01-rtn-4-heavy32
split0.01-rtn-4-heavy8
split0.03-rtn-4-heavy8
split0.05-rtn-4-heavy8
random0.05-rtn-4-s1
exp:split25-rtn-4-heavy8
random0.25-rtn-4-s1
vanilla-match-split0.05-rtn-4-heavy8
vanilla-rtn-4-g64
## AWQ 4-bit (g128)
split0.01-awq-4-heavy32
split0.01-awq-4-heavy8
split0.03-awq-4-heavy8
split0.05-awq-4-heavy8
exp:split25-awq-4-heavy8
vanilla-match-split0.05-awq-4-heavy8
vanilla-awq-4-g64
"""

# Table D (--light-error): heavy sets chosen by the light method's own error.
GROUPS_D = """
## Whitened SVD (FFN params <= 2,476,800, the vanilla r107 budget)
le0.02-whiten-r102
le0.03-whiten-r100
vanilla-match-le0.02-whiten-r102
## Whitened SVD + refit
le0.02-whiten-refit-r102
le0.03-whiten-refit-r100
vanilla-match-le0.02-whiten-refit-r102
## AWQ 3-bit (g128)
le0.01-awq-3-heavy8
le0.05-awq-3-heavy8
vanilla-match-le0.05-awq-3-heavy8
vanilla-awq-3-g96
## RTN 3-bit (g128)
le0.01-rtn-3-heavy8
le0.05-rtn-3-heavy8
vanilla-match-le0.05-rtn-3-heavy8
vanilla-rtn-3-g96
## AWQ 4-bit (g128)
le0.01-awq-4-heavy8
le0.05-awq-4-heavy8
vanilla-match-le0.05-awq-4-heavy8
vanilla-awq-4-g64
## RTN 4-bit (g128)
le0.01-rtn-4-heavy8
le0.05-rtn-4-heavy8
vanilla-match-le0.05-rtn-4-heavy8
vanilla-rtn-4-g64
"""
if LIGHT_ERROR:
    GROUPS = GROUPS_D

# Table E (--compensate): each method's Table A split, the same split compensated, the vanilla twin.
METHODS_E = [('svd-r0.1', 'plain SVD, rank 10%'), ('whiten-r0.1', 'whitened SVD, rank 10%'),
             ('whiten-refit-r0.1', 'whitened SVD + refit, rank 10%'), ('awq-3', 'AWQ 3-bit'), ('rtn-3', 'RTN 3-bit'),
             ('awq-4', 'AWQ 4-bit'), ('rtn-4', 'RTN 4-bit')]


def heavy8(m):
    """Table A names its quantised splits ...-heavy8, its low-rank ones not."""
    return m if 'r0' in m else m + '-heavy8'


QUANTISED_E = [(m, title) for m, title in METHODS_E if 'r0' not in m]


def refit_row(m):
    """The quantised splits also come with their heavy rows refit (comp25-...-heavy8-refit)."""
    return '' if 'r0' in m else f"comp25-{heavy8(m)}-refit\n"


if COMPENSATE:
    GROUPS = ''.join(f"## {title}\nexp:split25-{heavy8(m)}\ncomp25-{heavy8(m)}\n{refit_row(m)}exp:vanilla-{m}\n"
                     for m, title in METHODS_E)


def load(path, fill=None):
    rows = {}
    try:
        for l in open(path):
            d = json.loads(l)
            if fill: fill(d)
            rows[d['name']] = d
    except FileNotFoundError:
        pass
    return rows


rows = load(f'{OUT}/results.jsonl')
exp = load(f'{EXP}/results.jsonl', lambda d: d.setdefault('heavy', 0.25 if d['name'].startswith('split25') else 0.0))
big = load(f'{OUT}/results_1000.jsonl')


def light(d):
    m = d.get('method', '')
    r = re.search(r' r(\d+(?:\.\d+)?)', m)
    if 'lowrank' in m:
        rk = r.group(1)
        return 'r' + (str(round(float(rk) * 384)) if '.' in rk else rk)
    b = re.search(r'(\d)bit', m)
    return f"{b.group(1)}-bit" + (' (heavy 8-bit)' if 'heavy8' in m else (' (heavy fp32)' if d.get('heavy', 0) > 0 else ''))

def line(name, d, bigname):
    b = big.get(bigname)
    bn = f"{b['ndcg_at_10_1000']:.4f}" if b else ''
    bm = f"{b['mrr_at_10_1000']:.4f}" if b else ''
    h = d.get('heavy', 0)
    return cut(f"| {name} | {d.get('method','original')} | {h:g} | {light(d) if 'method' in d else '-'} | {d['ffn_params_after']:,} | "
            f"{d.get('ffn_bytes_after', 4*d['ffn_params_after'])/1e6:.2f} | {d['mean_cosine']:.4f} | {d['p01_cosine']:.4f} | "
            f"{d['ndcg_at_10']:.4f} | {d['mrr_at_10']:.4f} | {bn} | {bm} |")


def cut(row):
    """Without the 1,000-query columns when no 1,000-query run was made (Table E)."""
    return row if big else row.rsplit('|', 3)[0] + '|'


def main_table():
    print(cut("| model | method | heavy | light | FFN params | FFN MB | mean cos | p01 cos | nDCG@10 (300 q) | MRR@10 (300 q) | nDCG@10 (1000 q) | MRR@10 (1000 q) |"))
    print(cut("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"))
    print(line('original', exp['baseline'], 'original'))
    for g in GROUPS.splitlines():
        g = g.strip()
        if not g or g.startswith('#'):
            if g.startswith('##'): print(cut(f"| **{g[2:].strip()}** | | | | | | | | | | | |"))
            continue
        d = exp.get(g[4:]) if g.startswith('exp:') else rows.get(g)
        if d is None: continue
        print(line(g.replace('exp:', ''), d, g))


# Paired comparisons: (model A, model B, label); names are file names without .safetensors.
pairs = [
 ('split0.002-whiten-r106', 'vanilla-match-split0.01-whiten-r104', 'whiten: split 0.2% r106 vs vanilla r106'),
 ('split0.002-whiten-r106', 'vanilla-whiten-r0.1', 'whiten: split 0.2% r106 vs vanilla r107'),
 ('split0.002-whiten-refit-r106', 'vanilla-match-split0.01-whiten-refit-r104', 'refit: split 0.2% r106 vs vanilla r106'),
 ('split0.002-whiten-refit-r106', 'vanilla-whiten-refit-r0.1', 'refit: split 0.2% r106 vs vanilla r107'),
 ('split25-svd-r0.1', 'vanilla-svd-r0.1', 'svd: split 25% r38 vs vanilla r107'),
 ('split0.10-svd-r82', 'vanilla-svd-r0.1', 'svd: split 10% r82 vs vanilla r107'),
 ('split0.01-rtn-3-heavy32', 'vanilla-rtn-3', 'rtn3: split 1% (fp32 heavy) vs vanilla'),
 ('split25-rtn-3-heavy8', 'vanilla-rtn-3', 'rtn3: split 25% vs vanilla'),
 ('split0.05-awq-3-heavy8', 'vanilla-awq-3', 'awq3: split 5% vs vanilla'),
 ('split25-awq-3-heavy8', 'vanilla-awq-3', 'awq3: split 25% vs vanilla'),
 ('split0.05-rtn-4-heavy8', 'vanilla-rtn-4', 'rtn4: split 5% vs vanilla'),
 ('split0.03-awq-4-heavy8', 'vanilla-awq-4', 'awq4: split 3% vs vanilla g128'),
 ('split0.03-awq-4-heavy8', 'vanilla-awq-4-g64', 'awq4: split 3% vs vanilla g64'),
 ('vanilla-rtn-3', 'all-minilm-l6-v2', 'rtn3 vanilla vs original'),
]

if LIGHT_ERROR:
    pairs = []
    for kind, r, twin in [('whiten', 'r102', 'vanilla-match-le0.02-whiten-r102'),
                          ('whiten-refit', 'r102', 'vanilla-match-le0.02-whiten-refit-r102')]:
        pairs.append((f'le0.02-{kind}-{r}', twin, f'{kind}: split 2% r102 vs vanilla r107'))
        pairs.append((f'le0.03-{kind}-r100', twin, f'{kind}: split 3% r100 vs vanilla r107'))
    for lb, finer in [('awq-3', 'g96'), ('rtn-3', 'g96'), ('awq-4', 'g64'), ('rtn-4', 'g64')]:
        for h in ('0.01', '0.05'):
            pct = f'{float(h) * 100:g}%'
            pairs.append((f'le{h}-{lb}-heavy8', f'vanilla-match-le0.05-{lb}-heavy8', f'{lb}: split {pct} vs vanilla g128'))
            pairs.append((f'le{h}-{lb}-heavy8', f'vanilla-{lb}-{finer}', f'{lb}: split {pct} vs vanilla {finer}'))


def p01(v):
    return sorted(v)[int(0.01 * len(v))]


def paired_table(path=f'{OUT}/perquery_1000.tsv', pairs=pairs, title='1,000 queries, 10,000 docs'):
    if not os.path.exists(path):
        print(f"(no {path}: run scripts/{'ffsplit-light-error.sh' if LIGHT_ERROR else 'ffsplit-small-heavy.sh (phase PQ)'})")
        return
    cols = columns(path)
    n = len(next(iter(cols.values())))
    rnd = random.Random(1)
    print(f"| comparison ({title}) | nDCG@10 A | nDCG@10 B | A - B | paired SE | 95% bootstrap CI | queries changed |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for a, b, label in pairs:
        if a not in cols or b not in cols: continue
        d = [x - y for x, y in zip(cols[a], cols[b])]
        m, se = mean_se(d)
        boots = sorted(sum(d[rnd.randrange(n)] for _ in range(n)) / n for _ in range(2000))
        lo, hi = boots[50], boots[1949]
        ch = sum(1 for x in d if abs(x) > 1e-12)
        print(f"| {label} | {sum(cols[a])/n:.4f} | {sum(cols[b])/n:.4f} | {m:+.4f} | {se:.4f} | [{lo:+.4f}, {hi:+.4f}] | {ch} |")


main_table()
print()
if not COMPENSATE:
    paired_table()
E5_ROWS = """original le0.02-whiten-r102 split0.02-whiten-r102 vanilla-match-le0.02-whiten-r102
le0.02-whiten-refit-r102 vanilla-match-le0.02-whiten-refit-r102 le0.05-awq-3-heavy8 split0.05-awq-3-heavy8
vanilla-match-le0.05-awq-3-heavy8 le0.05-rtn-3-heavy8 split0.05-rtn-3-heavy8 vanilla-match-le0.05-rtn-3-heavy8""".split()


def e5_table(names=None):
    e5 = load(f'{OUT}/e5/results.jsonl')
    if not e5:
        return
    print("| e5-small-v2 model | method | FFN params | FFN MB | mean cos | p01 cos | nDCG@10 (300 q) | MRR@10 (300 q) |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|")
    for n in names or E5_ROWS:
        d = e5.get(n)
        if d is None: continue
        params = f"{d['ffn_params_after']:,}" if 'ffn_params_after' in d else '-'
        mb = f"{d['ffn_bytes_after'] / 1e6:.2f}" if 'ffn_bytes_after' in d else '-'
        print(f"| {n} | {d.get('method', 'original')} | {params} | {mb} | {d['mean_cosine']:.4f} | {d['p01_cosine']:.4f} | "
              f"{d['ndcg_at_10']:.4f} | {d['mrr_at_10']:.4f} |")


def wordnet_all_columns(groups):
    """Per-query nDCG@10 and per-text cosine of one all-WordNet group, or of several merged (group1+group2)."""
    nd, cos = {}, {}
    for group in groups.split('+'):
        pq, cs = f'{OUT}/wordnet-all/perquery_{group}.tsv', f'{OUT}/wordnet-all/cosines_{group}.tsv'
        if not (os.path.exists(pq) and os.path.exists(cs)):
            print(f"(no {pq}: run scripts/{'ffsplit-compensate.sh' if COMPENSATE else 'ffsplit-light-error.sh, phase X'})")
            return None, None
        nd.update(columns(pq))
        cos.update(columns(cs))
    return nd, cos


def wordnet_all_table(rule, groups=None):
    """Pairs on all WordNet queries: fidelity on the 80k retrieval texts and nDCG@10, paired."""
    groups = groups or [('rule', [(a, b, label) for a, b, label in rule]),
              ('table-a', [('split25-svd-r0.1', 'vanilla-svd-r0.1', 'svd r0.1: split 25% vs vanilla r107'),
                           ('split25-awq-3-heavy8', 'vanilla-awq-3', 'awq-3: split 25% vs vanilla g128'),
                           ('split25-rtn-3-heavy8', 'vanilla-rtn-3', 'rtn-3: split 25% vs vanilla g128')])]
    header = False
    for group, gpairs in groups:
        nd, cos = wordnet_all_columns(group)
        if nd is None:
            continue
        if not header:
            n, t = len(next(iter(nd.values()))), len(next(iter(cos.values())))
            print(f"| comparison (all WordNet: {n:,} queries, 48,152 docs; cosine over {t:,} texts) | mean cos A | mean cos B "
                  "| A - B (SE) | p01 cos A | p01 cos B | nDCG@10 A | nDCG@10 B | A - B (SE) | 95% CI | queries changed |")
            print("|---|---:|---:|---|---:|---:|---:|---:|---|---|---:|")
            header = True
        for a, b, label in gpairs:
            if a not in nd or b not in nd: continue
            cm, cse = mean_se([x - y for x, y in zip(cos[a], cos[b])])
            d = [x - y for x, y in zip(nd[a], nd[b])]
            m, se = mean_se(d)
            ch = sum(1 for x in d if abs(x) > 1e-12)
            print(f"| {label} | {sum(cos[a]) / len(cos[a]):.4f} | {sum(cos[b]) / len(cos[b]):.4f} | {cm:+.4f} ({cse:.5f}) "
                  f"| {p01(cos[a]):.4f} | {p01(cos[b]):.4f} | {sum(nd[a]) / len(nd[a]):.4f} | {sum(nd[b]) / len(nd[b]):.4f} "
                  f"| {m:+.4f} ({se:.4f}) | [{m - 1.96 * se:+.4f}, {m + 1.96 * se:+.4f}] | {ch:,} |")


if LIGHT_ERROR:
    print()
    rule = [p for p in pairs if ('0.02' in p[0] and 'r102' in p[0]) or ('0.05' in p[0] and 'g128' in p[2])]
    paired_table(f'{OUT}/perquery_all.tsv', rule, 'whole set: 3,000 queries, 48,152 docs')
    print()
    wordnet_all_table(rule)
    print()
    e5_table()

def agreement_table():
    """Top-10 agreement with the original model on all WordNet (group agree): each split against its twin."""
    path = f'{OUT}/wordnet-all/agreement_agree.tsv'
    if not os.path.exists(path):
        print(f"(no {path}: run scripts/ffsplit-compensate.sh)")
        return
    ag = columns(path)
    sc, sv = shares()
    twins = {m: f'vanilla-{m}' for m, _ in METHODS_E}
    twins['whiten-r0.1'] = f'vanilla-whiten-r107-up{sv}'
    splits = [(f"comp25-{heavy8(m)}" + (f'-up{sc}' if m == 'whiten-r0.1' else ''), m,
               f"{title}: split 25% compensated{f' (up-rank share {sc})' if m == 'whiten-r0.1' else ''}")
              for m, title in METHODS_E]
    splits += [(f"comp25-{heavy8(m)}-refit", m, f"{title}: split 25% compensated + refit") for m, title in QUANTISED_E]
    n = len(next(iter(ag.values())))
    print(f"| split vs its vanilla twin (all WordNet: {n:,} queries) | top-10 agreement, split | top-10 agreement, twin "
          "| difference (SE) | 95% CI |")
    print("|---|---:|---:|---|---|")
    for a, m, label in splits:
        b = twins[m]
        if a not in ag or b not in ag: continue
        dm, dse = mean_se([x - y for x, y in zip(ag[a], ag[b])])
        print(f"| {label} | {sum(ag[a]) / n:.4f} | {sum(ag[b]) / n:.4f} | {dm:+.4f} ({dse:.4f}) "
              f"| [{dm - 1.96 * dse:+.4f}, {dm + 1.96 * dse:+.4f}] |")


def ceiling_table():
    """The original model against each vanilla twin on all WordNet: what a lossless compression would gain."""
    nd, _ = wordnet_all_columns('comp+refitq')
    if nd is None:
        return
    n = len(next(iter(nd.values())))
    print(f"| method (all WordNet: {n:,} queries) | nDCG@10 original | nDCG@10 vanilla twin | original - twin (SE) "
          "| 95% CI | compensated split - twin | compensated + refit split - twin |")
    print("|---|---:|---:|---|---|---:|---:|")
    orig = nd['all-minilm-l6-v2']
    for m, title in METHODS_E:
        b = nd.get(f'vanilla-{m}')
        if b is None: continue
        dm, dse = mean_se([x - y for x, y in zip(orig, b)])
        splits = [nd.get(f'comp25-{heavy8(m)}'), nd.get(f'comp25-{heavy8(m)}-refit')]
        gaps = [f'{(sum(a) - sum(b)) / n:+.4f}' if a else '-' for a in splits]
        print(f"| {title} | {sum(orig) / n:.4f} | {sum(b) / n:.4f} | {dm:+.4f} ({dse:.4f}) "
              f"| [{dm - 1.96 * dse:+.4f}, {dm + 1.96 * dse:+.4f}] | {gaps[0]} | {gaps[1]} |")


def shares():
    """The up-rank shares chosen on calibration text (split, vanilla), from OUT/shares.txt."""
    if not os.path.exists(f'{OUT}/shares.txt'):
        return '0.5', '0.5'
    return tuple(re.findall(r'[0-9.]+', open(f'{OUT}/shares.txt').read().split(':')[1])[:2])


def before_after_table(groups, methods, before, after, what):
    """The same split before and after a change, on all WordNet: before(m) and after(m) name the models."""
    nd, cos = wordnet_all_columns(groups)
    if nd is None:
        return
    print(f"| method (split 25%, all WordNet) | mean cos | mean cos, {what} | difference (SE) | nDCG@10 "
          f"| nDCG@10, {what} | difference (SE) | 95% CI |")
    print("|---|---:|---:|---|---:|---:|---|---|")
    for m, title in methods:
        a, b = after(m), before(m)
        if a not in nd or b not in nd: continue
        cm, cse = mean_se([x - y for x, y in zip(cos[a], cos[b])])
        dm, dse = mean_se([x - y for x, y in zip(nd[a], nd[b])])
        print(f"| {title} | {sum(cos[b]) / len(cos[b]):.4f} | {sum(cos[a]) / len(cos[a]):.4f} | {cm:+.4f} ({cse:.5f}) "
              f"| {sum(nd[b]) / len(nd[b]):.4f} | {sum(nd[a]) / len(nd[a]):.4f} | {dm:+.4f} ({dse:.4f}) "
              f"| [{dm - 1.96 * dse:+.4f}, {dm + 1.96 * dse:+.4f}] |")


if COMPENSATE:
    wordnet_all_table(None, [('comp', [(f"comp25-{heavy8(m)}", f'vanilla-{m}',
                                        f"{title}: split 25% compensated vs vanilla "
                                        f"{'r107' if 'r0' in m else 'g128, same bits'}") for m, title in METHODS_E])])
    print()
    # Table A's split against the same split compensated
    before_after_table('comp+uncomp', METHODS_E, lambda m: f'split25-{heavy8(m)}', lambda m: f'comp25-{heavy8(m)}', 'compensated')
    if os.path.exists(f'{OUT}/shares.txt'):
        sc, sv = shares()
        print()
        wordnet_all_table(None, [('alloc', [(f'comp25-whiten-r0.1-up{sc}', f'vanilla-whiten-r107-up{sv}',
                                             f'whitened SVD: split 25% compensated, up-rank share {sc}, vs vanilla r107, share {sv}')])])
    print()
    wordnet_all_table(None, [('comp+refitq', [(f"comp25-{heavy8(m)}-refit", f'vanilla-{m}',
                                               f"{title}: split 25% compensated + refit vs vanilla g128, same bits")
                                              for m, title in QUANTISED_E])])
    print()
    before_after_table('comp+refitq', QUANTISED_E, lambda m: f'comp25-{heavy8(m)}', lambda m: f'comp25-{heavy8(m)}-refit',
                       'refit')
    print()
    ceiling_table()
    print()
    agreement_table()
    print()
    e5_table(['original'] + [n for m in ('whiten-r0.1', 'awq-3', 'rtn-3')
                             for n in (f'split25-{heavy8(m)}', f'comp25-{heavy8(m)}', refit_row(m).strip(), f'vanilla-{m}') if n])
