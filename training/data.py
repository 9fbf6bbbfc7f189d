"""Reading the RouterBench extracts (../shared/data/routerbench, described in its README.md) into one row
per item, cleaned the way that README and ../shared/research/learned-routing.md advise.

- The text routed on is the item's own question: the part of the prompt after its last blank line, without
  the five worked examples every ARC and WinoGrande prompt repeats (they carry nothing about the item and
  would only teach the router which benchmark it is looking at), as RouteLLM's evaluation routes on the
  bare question.
- ARC's duplicated rows are merged on id within a file (GPT-3.5's score from the two-element row); a
  two-element row left without its twin (the twin is in the other split) is dropped.
- Test items whose question also occurs in the training split (6 ARC, 2 MBPP) are dropped from the test
  split, so nothing the router was trained on is scored as held out.
"""

import json
import os

STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/mixtral-8x7b-chat"
TASKS = {"arc-challenge": "arc_challenge", "mbpp": "mbpp", "winogrande": "winograde"}


def question(row):
    return row["prompt"][-1].split("\n\n")[-1]


def _read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _merged(rows):
    by_id, order = {}, []
    for r in rows:
        if r["id"] not in by_id:
            by_id[r["id"]] = []
            order.append(r["id"])
        by_id[r["id"]].append(r)
    out = []
    for i in order:
        group = by_id[i]
        single = [r for r in group if len(r["prompt"]) == 1]
        if not single:
            continue  # only the doubled-text row, whose twin is in the other split
        row = dict(single[0])
        for r in group:
            if len(r["prompt"]) > 1:
                row["score"] = dict(row["score"])
                for m, v in r["score"].items():
                    if row["score"][m] is None and v is not None:
                        row["score"][m] = v
        out.append(row)
    return out


def load(folder):
    """{"train": [...], "test": [...], "dropped_from_test": n}; each row has id, task, text, score, cost."""
    split = {}
    for s in ("train", "test"):
        rows = []
        for task, stem in TASKS.items():
            for r in _merged(_read(os.path.join(folder, f"{stem}.{s}.jsonl"))):
                assert r["task"] == task, (r["id"], r["task"])
                rows.append({"id": r["id"], "task": task, "text": question(r), "score": r["score"],
                             "cost": r["cost_usd"]})
        split[s] = rows
    seen = {r["text"] for r in split["train"]}
    test = [r for r in split["test"] if r["text"] not in seen]
    return {"train": split["train"], "test": test, "dropped_from_test": len(split["test"]) - len(test)}


def models(rows):
    return sorted(rows[0]["score"])
