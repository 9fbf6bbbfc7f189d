#!/usr/bin/python3
"""Measures the candidate router families on the training split only (cross-validation and leave-one-task-
out), to choose the one train_router.py ships. The test split is not read.

    /usr/bin/python3 training/compare_models.py [DATA_DIR]

Every candidate ranks prompts for the GPT-4 / Mixtral pair; the measure is pair APGR (0.5 = random) over
out-of-fold predictions, for the three tasks mixed and within each task, mean and spread over two
repetitions of 5-fold cross-validation; then trained on two tasks and measured on the third.
"""

import argparse
import os
import sys

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data as rb  # noqa: E402
import evaluate as ev  # noqa: E402
import features as F  # noqa: E402
import train_router as tr  # noqa: E402

C = 0.03  # train_router.py's cross-validated choice for the shipped model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default=os.path.join(tr.ROOT, "..", "shared", "data", "routerbench"))
    args = ap.parse_args()
    train = rb.load(args.data)["train"]
    models = rb.models(train)
    ks, kw = models.index(rb.STRONG), models.index(rb.WEAK)
    ex = [F.extract(r["text"]) for r in train]
    mean, scale = tr.standardisation(ex)
    full = tr.design(ex, mean, scale)
    nw, nc = F.WORD_BUCKETS, F.CHAR_BUCKETS
    word_only = full[:, :nw]
    no_dense = full[:, : nw + nc]
    dense = full[:, nw + nc :].toarray()
    full_dense = sp.hstack([no_dense, full[:, nw + nc :] / tr.DENSE_SHRINK]).tocsr()
    s = np.array([r["score"][rb.STRONG] for r in train])
    w = np.array([r["score"][rb.WEAK] for r in train])
    tasks = np.array([r["task"] for r in train])
    y = (s > w).astype(int)
    rng = np.random.default_rng(0)
    # The control: every prompt gets another prompt's outcomes (of all models at once).
    perm = rng.permutation(len(train))
    shuffled = [dict(train[i], score=train[perm[i]]["score"], task=train[i]["task"]) for i in range(len(train))]

    def irt(x, rows=train):
        def run(a, b):
            wt, theta = tr.fit(x, [(i, rows[i]) for i in a], models, C)
            return tr.pair_score(x[b] @ wt, theta[ks], theta[kw])
        return run

    def pair_lr(x):
        return lambda a, b: LogisticRegression(C=0.3, max_iter=5000).fit(x[a], y[a]).predict_proba(x[b])[:, 1]

    def knn(x, k):
        return lambda a, b: KNeighborsRegressor(k, metric="cosine").fit(x[a], y[a]).predict(x[b])

    def boosted(a, b):
        m = HistGradientBoostingClassifier(max_depth=3, max_iter=100, learning_rate=0.05, random_state=0)
        return m.fit(dense[a], y[a]).predict_proba(dense[b])[:, 1]

    # (rates from the whole split, three numbers: from each fold's own they would differ a little from fold
    # to fold, and that difference would pose as an ordering within a task)
    rate = {t: y[tasks == t].mean() for t in rb.TASKS}

    def task_prior(a, b):
        return np.array([rate[t] for t in tasks[b]])

    candidates = [
        ("IRT logistic, word+char+dense/10 (shipped)", irt(full)),
        ("IRT logistic, word+char+dense at full weight", irt(full_dense)),
        ("IRT logistic, word n-grams only", irt(word_only)),
        ("IRT logistic, word+char, no dense", irt(no_dense)),
        ("pair logistic (RouteLLM label), word+char+dense", pair_lr(full)),
        ("kNN k=40 cosine, pair label", knn(no_dense, 40)),
        ("gradient-boosted trees on dense features, pair label", boosted),
        ("task prior only (which benchmark)", task_prior),
        ("control: IRT logistic on shuffled labels", irt(full, shuffled)),
    ]
    print("pair APGR, out of fold (mean +- sd over 2 x 5 folds) | trained on two tasks, scored on the third")
    print(f"{'candidate':55} {'mixed':>13} {'ARC':>13} {'MBPP':>13} {'WinoGrande':>13} | {'ARC':>6} {'MBPP':>6} {'Wino':>6}")
    for name, run in candidates:
        rep = []
        for seed in range(2):
            p = np.zeros(len(train))
            for a, b in StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(train)), tasks):
                p[b] = run(a, b)
            row = [ev.apgr(ev.pair_curve(p, s, w), s, w)]
            for t in rb.TASKS:
                k = tasks == t
                row.append(ev.apgr(ev.pair_curve(p[k], s[k], w[k]), s[k], w[k]))
            rep.append(row)
        rep = np.array(rep)
        cells = " ".join(f"{m:.3f} ± {d:.3f}".rjust(13) for m, d in zip(rep.mean(0), rep.std(0)))
        loto = []
        for held in rb.TASKS:
            a, b = np.flatnonzero(tasks != held), np.flatnonzero(tasks == held)
            p = run(a, b) if name != "task prior only (which benchmark)" else np.zeros(len(b))
            loto.append(ev.apgr(ev.pair_curve(p, s[b], w[b]), s[b], w[b]))
        print(f"{name:55} {cells} | " + " ".join(f"{v:6.3f}" for v in loto), flush=True)


if __name__ == "__main__":
    main()
