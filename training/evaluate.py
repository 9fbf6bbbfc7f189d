"""Router quality measures, as bench/routing_eval and src/routing/evaluation.cpp compute them.

Pair routing (strong vs weak): prompts are sent to the strong model in order of decreasing router score;
prompts with equal scores move together, and a share that falls inside such a group is read off the
straight line between its ends (the expectation under random tie-breaking). PGR(s) = (acc(s) - acc_weak)
/ (acc_strong - acc_weak); APGR is its area over s in [0, 1] (RouteLLM), 0.5 for a random router.
"""

import numpy as np


def pair_curve(score, strong, weak):
    """(share, accuracy) at every distinct threshold, from nothing strong to everything strong."""
    score, strong, weak = map(np.asarray, (score, strong, weak))
    n = len(score)
    order = np.argsort(-score, kind="stable")
    s, gain = score[order], (strong - weak)[order]
    shares, accs = [0.0], [weak.mean()]
    acc = weak.sum()
    i = 0
    while i < n:
        j = i
        while j < n and s[j] == s[i]:
            acc += gain[j]
            j += 1
        shares.append(j / n)
        accs.append(acc / n)
        i = j
    return np.array(shares), np.array(accs)


def accuracy_at(share, curve):
    shares, accs = curve
    return float(np.interp(share, shares, accs))


def apgr(curve, strong, weak):
    shares, accs = curve
    lo, hi = np.mean(weak), np.mean(strong)
    pgr = (accs - lo) / (hi - lo)
    return float(np.sum((pgr[1:] + pgr[:-1]) / 2 * np.diff(shares)))


def random_at(share, strong, weak):
    return float(share * np.mean(strong) + (1 - share) * np.mean(weak))


def oracle_at(share, strong, weak):
    """The best accuracy any router reaches sending `share` of prompts strong: the prompts only the strong
    model gets right go first."""
    strong, weak = np.asarray(strong), np.asarray(weak)
    only_strong = np.mean((strong == 1) & (weak == 0))
    return float(np.mean(weak) + min(share, only_strong))
