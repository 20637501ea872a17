"""The smudged letter, cell against cell: the RNN, the GRU and the LSTM reading left, right and both ways, 3 seeds.

Trains notebook 08's readers (rnnlib.lessons.both_ways_and_gru.train_reader) and scores them on the test blanks,
overall and at the first, middle and last letter; prints one line per run (with the process CPU time of the
training, which depends on the machine and its load: that is why it lives in a results file and not in a notebook
output or a test). Run from the repository root:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py --save   # the committed grid
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py           # RNN both, seeds 0 1 2
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py --cells gru --reads left right both
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py --markdown-only

With --save, the grid (cells rnn, gru, lstm; reads left, right, both; seeds 0, 1, 2 unless given) is run in this
order: "both" for every cell and seed, then left and right for seed 0, then left and right for the other seeds;
rnnlib/results/smudged_letter.json (committed package data; notebook 08 reads it through
rnnlib.lessons.both_ways_and_gru.load_smudged_results) and .md (the table with its conditions) are rewritten after
every run, so a run stopped early leaves the runs finished so far, and the meta says which ones.

Conditions: train_reader's defaults (H = 32 per direction, Adam lr 1e-2, batch 128, clip 5, 2 epochs, the
weights of the epoch with the lowest validation loss kept), the same for every cell, on every letter of every
word of the family-aware split (seed 0); scored on every letter of every test word. The baselines (most frequent
letter, letter trigrams, Witten-Bell) are scored once on the same blanks and saved beside the readers.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

from rnnlib.data import POSITION_CLASSES
from rnnlib.lessons.both_ways_and_gru import (
    accuracy_rows,
    load_smudged_results,
    reader_name,
    reader_proba,
    save_smudged_results,
    smudge_data,
    smudge_rows,
    smudged_cells_table,
    train_reader,
)

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "rnnlib" / "results" / "smudged_letter.json"
CELLS = ("rnn", "gru", "lstm")
READS = ("left", "right", "both")
SEEDS = (0, 1, 2)
MACHINE = ("a shared 2-core machine, OPENBLAS_NUM_THREADS=1, one run at a time in one process (other jobs were "
           "running: the CPU seconds are indicative, their ratios more than their values)")
COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py --save"


def plan(cells, reads, seeds):
    """The runs in the order they are made: "both" for every cell and seed first, then the single sides."""
    first = [(c, "both", s) for c in cells for s in seeds] if "both" in reads else []
    sides = [r for r in reads if r != "both"]
    rest = [(c, r, s) for s in seeds for c in cells for r in sides]
    return first + rest


def run_one(data, cell, reads, seed, hidden_size, epochs):
    """Train one reader and score it on the test blanks; a JSON-ready record."""
    t = time.process_time()
    run = train_reader(reads, cell, hidden_size=hidden_size, epochs=epochs, seed=seed, data=data)
    cpu = time.process_time() - t
    ex = data.examples["test"]
    row = accuracy_rows({reader_name(run): reader_proba(run, ex)}, ex.target, ex.position_class)[0]
    return {"cell": cell, "reads": reads, "seed": seed, "accuracy": row.accuracy,
            "by_position": row.by_position, "validation_accuracy": run.accuracy["validation"],
            "val_accuracy_by_epoch": [float(a) for a in run.val_accuracy], "best_epoch": run.best_epoch,
            "epochs": epochs, "hidden_size": hidden_size, "n_parameters": run.settings["n_parameters"],
            "cpu_seconds": round(cpu, 1)}, run


def describe(record):
    by = "  ".join(f"{c} {100 * record['by_position'][c]:5.1f}%" for c in POSITION_CLASSES)
    return (f"{record['cell'].upper()}, {record['reads']:<5} H={record['hidden_size']} seed {record['seed']}: test "
            f"{100 * record['accuracy']:5.1f}%  {by}  (epoch {record['best_epoch']} of {record['epochs']} kept; "
            f"{record['n_parameters']} parameters; training {record['cpu_seconds']:.1f} s CPU)")


def meta_block(data, settings, records, planned, seconds):
    grid = {}
    for r in records:
        grid.setdefault(f"{r['cell']}, {r['reads']}", []).append(r["seed"])
    done = [(r["cell"], r["reads"], r["seed"]) for r in records]
    return {"version": 1, "cells": sorted({r["cell"] for r in records}, key=CELLS.index),
            "reads": sorted({r["reads"] for r in records}, key=READS.index),
            "seeds_run": grid, "complete": done == planned,
            "planned": [list(p) for p in planned], **settings,
            "optimizer": "adam", "keep_best": "weights of the epoch with the lowest validation loss",
            "split": data.split, "split_seed": data.seed,
            "n_words": {p: len(data.parts[p]) for p in data.parts},
            "n_examples": {p: len(data.examples[p]) for p in data.examples},
            "n_test_by_position": {c: int(np.sum(data.examples["test"].position_class == c))
                                   for c in POSITION_CLASSES},
            "scored": "every letter of every test word blanked in turn; the guess is the most probable letter",
            "cpu": "process CPU seconds of train_reader (training, validation after each epoch, final scoring "
                   "of the validation and test blanks)",
            "machine": MACHINE, "seconds": round(seconds), "numpy": np.__version__,
            "python": platform.python_version(), "command": COMMAND}


def write_markdown(path, results):
    """The measurements as Markdown: the conditions, then the table."""
    m = results["meta"]
    status = "" if m["complete"] else " (stopped before the planned grid was done: the meta lists what ran)"
    text = ("# The smudged letter: RNN, GRU and LSTM readers, left, right and both sides\n\n"
            f"{len(results['records'])} runs{status}, {m['seconds']} s of wall time; {m['machine']}; numpy "
            f"{m['numpy']}, Python {m['python']}; written by `{m['command']}`.\n\n```\n"
            + smudged_cells_table(results) + "\n```\n")
    Path(path).write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", choices=CELLS)
    parser.add_argument("--reads", nargs="+", choices=READS)
    parser.add_argument("--seeds", nargs="+", type=int)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--save", action="store_true",
                        help="run the grid (all cells and reads unless given) and write --out and its .md")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite the .md next to --out from the saved JSON, without running anything")
    args = parser.parse_args(argv)
    if args.markdown_only:
        write_markdown(args.out.with_suffix(".md"), load_smudged_results(args.out))
        print(f"wrote {args.out.with_suffix('.md')}")
        return 0
    cells = args.cells or (CELLS if args.save else ("rnn",))
    reads = args.reads or (READS if args.save else ("both",))
    seeds = args.seeds or SEEDS
    planned = plan(cells, reads, seeds)
    settings = {"hidden_size": args.hidden_size, "epochs": args.epochs}
    data = smudge_data()
    baselines = [{"name": r.name, "accuracy": r.accuracy, "by_position": r.by_position, "note": r.note}
                 for r in smudge_rows(data)] if args.save else []
    start = time.perf_counter()
    records = []
    for cell, r, seed in planned:
        record, run = run_one(data, cell, r, seed, args.hidden_size, args.epochs)
        settings.update({k: run.settings[k] for k in ("lr", "batch_size", "clip")})  # train_reader's defaults
        records.append(record)
        print(describe(record), flush=True)
        if args.save:
            results = {"meta": meta_block(data, settings, records, planned, time.perf_counter() - start),
                       "baselines": baselines, "records": records}
            save_smudged_results(args.out, results)
            write_markdown(args.out.with_suffix(".md"), results)
    if args.save:
        print(smudged_cells_table(load_smudged_results(args.out)))
        print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
