#!/usr/bin/python3
"""Trains the gateway's learned router and writes everything derived from the data into the repository.

    training/train.sh [DATA_DIR] [--seeds 10]   (installs the dependencies, then runs this)

DATA_DIR defaults to ../shared/data/routerbench (the RouterBench extracts). Needs Debian's numpy, scipy
and scikit-learn (see training/README.md). Deterministic: the same data give the same files.

The model (why this one: training/README.md, measured by training/compare_models.py): item-response
theory with a learned item difficulty. Model m answers prompt x right with probability
sigmoid(theta_m - z(x)), where z(x) = bias + w . features(x) is the prompt's difficulty, linear in the
hashed n-grams and dense features of training/features.py, and theta_m the model's ability. Fitted as one
L2-regularised logistic regression over every (prompt, model) outcome of the training split, so each prompt
gives up to 11 labels instead of the pair's one. A gateway group of quality q gets the ability theta(q) that
makes its mean success over the reference prompts q.

Writes:
  data/router_weights.json               the weights, the reference difficulty quantiles (for strong_share)
                                         and the training report; embedded in the binary at build time
  tests/cases/router/features_golden.json a few strings' features and difficulty, which the C++ featurizer
                                         and scorer must reproduce
  tests/cases/router/test_split.json     the held-out test splits as difficulty, scores and costs only (no
                                         prompt text), for bench/routing_eval and the unit test
MMLU and GSM8K are never read: they are reserved for independent evaluation.
"""

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data as rb  # noqa: E402
import evaluate as ev  # noqa: E402
import features as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C_GRID = [0.01, 0.03, 0.1, 0.3, 1.0]
# Shares of prompts sent strong at which the router's gain over random routing is measured (every tenth);
# the unit test holds it above random at the three where the cross-validated gain on the training split is
# largest (chosen on the training split, like everything else here; printed as "operating points").
SHARES = [round(k / 10, 1) for k in range(1, 10)]
ABILITY_SCALE = 10.0  # the model columns are scaled up so the L2 penalty barely touches the abilities
# The dense features are scaled down to a tenth after standardising, which makes their L2 penalty 100 times
# the n-grams': on these three tasks lengths and cue counts mostly tell which benchmark a prompt is from, and
# at full weight they made the router worse on a task left out of training (compare_models.py).
DENSE_SHRINK = 0.1


def excluded(model, task):
    """Outcomes that measure answer format, not ability (data README): claude-v2's truncated replies, and
    the Claude models answering one letter nearly always on WinoGrande."""
    return model == "claude-v2" or (task == "winogrande" and model in ("claude-v1", "claude-instant-v1"))


def design(extracted, mean, scale):
    rows, cols, vals = [], [], []
    dense = []
    for i, (word, char, d) in enumerate(extracted):
        for b, v in word.items():
            rows.append(i), cols.append(b), vals.append(v)
        for b, v in char.items():
            rows.append(i), cols.append(F.WORD_BUCKETS + b), vals.append(v)
        dense.append(d)
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(extracted), F.WORD_BUCKETS + F.CHAR_BUCKETS))
    d = (np.array(dense) - mean) * scale
    return sp.hstack([x, sp.csr_matrix(d)]).tocsr()


def standardisation(extracted):
    d = np.array([e[2] for e in extracted])
    mean, std = d.mean(0), d.std(0)
    # A feature constant in the training data (turns, tools, system text here) gets no weight at all.
    scale = np.where(std > 1e-12, DENSE_SHRINK / np.where(std > 1e-12, std, 1), 0.0)
    return mean, scale


def fit(x, rows, models, c):
    """(w, theta): difficulty weights over x's columns and one ability per model."""
    r, m, y = [], [], []
    for i, row in rows:
        for k, name in enumerate(models):
            v = row["score"][name]
            if v is None or excluded(name, row["task"]):
                continue
            r.append(i), m.append(k), y.append(v)
    onehot = sp.csr_matrix((np.full(len(m), ABILITY_SCALE), (np.arange(len(m)), m)), shape=(len(m), len(models)))
    lr = LogisticRegression(C=c, fit_intercept=False, max_iter=20000, tol=1e-8)
    lr.fit(sp.hstack([x[r], onehot]).tocsr(), y)
    coef = lr.coef_[0]
    return -coef[: x.shape[1]], coef[x.shape[1] :] * ABILITY_SCALE


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def log_loss(x, rows, models, w, theta):
    total, n = 0.0, 0
    z = x @ w
    for i, row in rows:
        for k, name in enumerate(models):
            v = row["score"][name]
            if v is None or excluded(name, row["task"]):
                continue
            p = min(max(sigmoid(theta[k] - z[i]), 1e-9), 1 - 1e-9)
            total -= v * math.log(p) + (1 - v) * math.log(1 - p)
            n += 1
    return total / n


def pair_score(z, theta_strong, theta_weak):
    """P(strong right and weak wrong): what the gateway thresholds for a strong/weak pair."""
    return sigmoid(theta_strong - z) * (1 - sigmoid(theta_weak - z))


def pair_report(z, rows, theta_strong, theta_weak):
    s = np.array([r["score"][rb.STRONG] for r in rows])
    wk = np.array([r["score"][rb.WEAK] for r in rows])
    tasks = np.array([r["task"] for r in rows])
    score = pair_score(z, theta_strong, theta_weak)
    out = {"apgr": ev.apgr(ev.pair_curve(score, s, wk), s, wk)}
    for t in rb.TASKS:
        k = tasks == t
        if not k.any():
            continue
        out["apgr_" + t] = ev.apgr(ev.pair_curve(score[k], s[k], wk[k]), s[k], wk[k])
    curve = ev.pair_curve(score, s, wk)
    for share in SHARES:
        out[f"gain_at_{share}"] = ev.accuracy_at(share, curve) - ev.random_at(share, s, wk)
    return out


def theta_for(quality, quantiles):
    """The ability whose mean success over the reference difficulties is `quality` (bisection, as
    src/routing/learned_router.cpp does it)."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.mean(sigmoid(mid - quantiles)) < quality:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def g4(v):
    return float(f"{v:.4g}") + 0.0  # (+ 0.0: no "-0.0" in the files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "routerbench"))
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()

    d = rb.load(args.data)
    train, test = d["train"], d["test"]
    models = rb.models(train)
    print(f"train {len(train)} items, test {len(test)} ({d['dropped_from_test']} dropped: also in train)")
    ex_train = [F.extract(r["text"]) for r in train]
    ex_test = [F.extract(r["text"]) for r in test]
    mean, scale = standardisation(ex_train)
    x_train, x_test = design(ex_train, mean, scale), design(ex_test, mean, scale)
    tasks = np.array([r["task"] for r in train])
    ks, kw = models.index(rb.STRONG), models.index(rb.WEAK)

    # Regularisation by 5-fold cross-validation on the training split only (log loss of every outcome).
    cv = {}
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(train)), tasks))
    for c in C_GRID:
        losses, z_oof = [], np.zeros(len(train))
        for a, b in folds:
            w, theta = fit(x_train, [(i, train[i]) for i in a], models, c)
            losses.append(log_loss(x_train, [(i, train[i]) for i in b], models, w, theta))
            z_oof[b] = x_train[b] @ w
        rep = pair_report(z_oof, train, theta[ks], theta[kw])
        cv[str(c)] = {"log_loss": float(np.mean(losses)), **rep}
        print(f"C={c}: cv log loss {np.mean(losses):.4f}, pair APGR {rep['apgr']:.3f}", flush=True)
    c = min(C_GRID, key=lambda k: cv[str(k)]["log_loss"])
    print(f"C={c}; cross-validated gain over random (points) by share sent strong:",
          " ".join(f"{q}: {100 * cv[str(c)][f'gain_at_{q}']:+.2f}" for q in SHARES))
    operating = sorted(sorted(SHARES, key=lambda q: -cv[str(c)][f"gain_at_{q}"])[:3])
    print("operating points:", operating)

    # Transfer: train on two tasks, measure on the third one's training split.
    transfer = {}
    for held in rb.TASKS:
        a = [i for i in range(len(train)) if train[i]["task"] != held]
        b = [i for i in range(len(train)) if train[i]["task"] == held]
        w, theta = fit(x_train, [(i, train[i]) for i in a], models, c)
        rep = pair_report(x_train[b] @ w, [train[i] for i in b], theta[ks], theta[kw])
        transfer[held] = rep["apgr"]
        print(f"trained without {held}: its pair APGR {rep['apgr']:.3f}", flush=True)

    # Seeds: the same training on 80% subsamples, scored on the test split, for the spread.
    seeds = []
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        a = [i for t in rb.TASKS for i in rng.permutation(np.flatnonzero(tasks == t))[: int(0.8 * np.sum(tasks == t))]]
        w, theta = fit(x_train, [(i, train[i]) for i in a], models, c)
        seeds.append(pair_report(x_test @ w, test, theta[ks], theta[kw]))
    spread = {k: {"mean": float(np.mean([s[k] for s in seeds])), "sd": float(np.std([s[k] for s in seeds], ddof=1))}
              for k in seeds[0]}
    for k, v in spread.items():
        print(f"seeds: {k} {v['mean']:.4f} +- {v['sd']:.4f}")

    # The shipped model: all of the training split.
    w, theta = fit(x_train, list(enumerate(train)), models, c)
    nw, nc = F.WORD_BUCKETS, F.CHAR_BUCKETS
    word_w, char_w, dense_w = [g4(v) for v in w[:nw]], [g4(v) for v in w[nw : nw + nc]], [g4(v) for v in w[nw + nc :]]
    w_shipped = np.array(word_w + char_w + dense_w)
    # Every difficulty written below is computed from what the weights file holds (the rounded weights),
    # exactly as the gateway will compute it.
    z_train_raw = x_train @ w_shipped
    bias = -float(np.median(z_train_raw))  # difficulty 0 is the median training prompt
    z_train, z_test = z_train_raw + bias, x_test @ w_shipped + bias
    quantiles = np.quantile(z_train, np.linspace(0, 1, 101))
    quantiles = np.array([g4(v) for v in quantiles])
    model_info = {}
    for k, name in enumerate(models):
        scored = [r for r in train if r["score"][name] is not None]
        model_info[name] = {
            "accuracy": g4(np.mean([r["score"][name] for r in scored])),
            "cost_usd": g4(np.mean([r["cost"][name] for r in train])),
            "theta_fitted": g4(theta[k] + bias) if not all(excluded(name, t) for t in rb.TASKS) else None,
        }
    shipped = pair_report(z_test, test, theta_for(model_info[rb.STRONG]["accuracy"], quantiles),
                          theta_for(model_info[rb.WEAK]["accuracy"], quantiles))
    print("shipped model on the test split:", {k: round(v, 4) for k, v in shipped.items()})
    # How much the test split's own sampling moves the shipped model's gains: 1,000 bootstrap resamples.
    rng = np.random.default_rng(0)
    boot = [pair_report(z_test[k], [test[i] for i in k], theta_for(model_info[rb.STRONG]["accuracy"], quantiles),
                        theta_for(model_info[rb.WEAK]["accuracy"], quantiles))
            for k in (rng.integers(0, len(test), len(test)) for _ in range(1000))]
    bootstrap = {k: {"sd": float(np.std([b[k] for b in boot], ddof=1)),
                     "p05": float(np.quantile([b[k] for b in boot], 0.05))}
                 for k in ("apgr", *(f"gain_at_{q}" for q in SHARES))}
    for k, v in bootstrap.items():
        print(f"bootstrap of the test split: {k} sd {v['sd']:.4f}, 5th percentile {v['p05']:.4f}")

    weights = {
        "about": "The learned router's weights (src/routing/learned_router.hpp), written by "
        "training/train_router.py from the RouterBench extracts in ../shared/data/routerbench; do not edit. "
        "difficulty z = bias + sum(word_weights[b] * v) + sum(char_weights[b] * v) + sum(dense_weights[i] * "
        "(dense[i] - dense_mean[i]) * dense_scale[i]); a model of ability theta answers right with "
        "probability sigmoid(theta - z). reference_quantiles: z at every percentile of the training prompts "
        "(strong_share and quality -> ability are computed from them).",
        "features": {"word_buckets": nw, "char_buckets": nc, "max_bytes": F.MAX_BYTES, "dense": F.DENSE_NAMES},
        "bias": bias,
        "dense_mean": [float(v) for v in mean],
        "dense_scale": [float(v) for v in scale],
        "dense_weights": dense_w,
        "word_weights": word_w,
        "char_weights": char_w,
        "reference_quantiles": list(quantiles),
        "models": model_info,
        "training": {
            "command": "training/train.sh",
            "data": "RouterBench ARC-Challenge, MBPP, WinoGrande train splits (shuhao02/RouterDC routerbench_zs)",
            "train_items": len(train),
            "test_items": len(test),
            "C": c,
            "cross_validation": cv,
            "transfer_apgr_trained_without": transfer,
            "seeds": {"count": args.seeds, "subsample": 0.8, "test": spread},
            "operating_shares": operating,
            "shipped_test": shipped,
            "shipped_test_bootstrap": bootstrap,
        },
    }
    body = json.dumps({k: v for k, v in weights.items() if k != "training"}, sort_keys=True)
    weights["version"] = hashlib.sha256(body.encode()).hexdigest()[:12]
    with open(os.path.join(ROOT, "data", "router_weights.json"), "w") as f:
        json.dump(weights, f, separators=(",", ":"))
        f.write("\n")

    def score(text, turns=1, tools=0, system_bytes=0):
        word, char, dense = F.extract(text, turns, tools, system_bytes)
        z = bias + sum(word_w[b] * v for b, v in word.items()) + sum(char_w[b] * v for b, v in char.items())
        z += sum(dense_w[i] * (dense[i] - mean[i]) * scale[i] for i in range(len(dense)))
        return word, char, dense, z

    golden = []
    for text, turns, tools, system in GOLDEN:
        word, char, dense, z = score(text, turns, tools, system)
        golden.append({"text": text, "turns": turns, "tools": tools, "system_bytes": system,
                       "word": {str(b): v for b, v in sorted(word.items())},
                       "char": {str(b): v for b, v in sorted(char.items())}, "dense": dense, "z": z})
    cases = os.path.join(ROOT, "tests", "cases", "router")
    os.makedirs(cases, exist_ok=True)
    with open(os.path.join(cases, "features_golden.json"), "w") as f:
        json.dump({"about": "Written by training/train_router.py: features and difficulty of a few strings as "
                   "training/features.py computes them, with data/router_weights.json version "
                   f"{weights['version']}; src/routing/features_test.cpp checks the C++ side against them.",
                   "weights_version": weights["version"], "cases": golden}, f, indent=1)
        f.write("\n")
    items = [{"task": r["task"], "z": round(float(z), 6), "score": [r["score"][m] for m in models],
              "cost": [g4(r["cost"][m]) for m in models]} for r, z in zip(test, z_test)]
    with open(os.path.join(cases, "test_split.json"), "w") as f:
        f.write(json.dumps({
            "about": "The RouterBench test splits (ARC-Challenge, MBPP, WinoGrande; items also in the training "
            "split dropped) as the shipped router sees them: each item's difficulty z under data/router_weights.json "
            "(this version), each model's score (null: not scored) and cost in USD. No prompt text. Written by "
            "training/train_router.py; read by bench/routing_eval and src/routing/evaluation_test.cpp.",
            "weights_version": weights["version"], "models": models, "strong": rb.STRONG, "weak": rb.WEAK,
            "model_quality": [model_info[m]["accuracy"] for m in models],
            "model_cost_usd": [model_info[m]["cost_usd"] for m in models],
            "operating_shares": operating, "seed_spread": spread, "shipped": shipped, "bootstrap": bootstrap,
            "items": items}, separators=(",", ":")).replace('{"task"', '\n{"task"'))
        f.write("\n")
    print(f"wrote data/router_weights.json (version {weights['version']}), tests/cases/router/*.json")


# Strings the C++ featurizer must reproduce: plain, code, maths, unicode, punctuation only, empty, a long one
# cut to MAX_BYTES, and request-level counts. Written here, not taken from any benchmark.
GOLDEN = [
    ("What is the capital of Peru?", 1, 0, 0),
    ("Write a Python function that returns the n-th Fibonacci number, then explain why it is O(n).", 1, 0, 0),
    ("def f(x):\n    return {k: v for k, v in x.items() if v}  # why?\n", 2, 3, 120),
    ("Solve 3x^2 + 2x - 1 = 0 and give the sum of the roots (as a fraction).", 1, 0, 0),
    ("Über naïve café: ¿qué significa «déjà vu»? 東京タワー", 1, 0, 0),
    ("?!... ---", 1, 0, 0),
    ("", 1, 0, 0),
    ("A", 1, 0, 0),
    ("Prove step by step that the algorithm terminates. " * 400, 3, 1, 2048),
]

if __name__ == "__main__":
    main()
