"""Truncated backpropagation through time: what the chunk length k does to the loss and to the time per update.

Writes rnnlib/results/truncated_bptt.json (committed package data; notebook 07 reads it) and .md (the table
with its conditions); a progress bar over the runs (tqdm) goes to standard error. Run from the repository root:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/truncated_bptt.py            # full sweep (~5 min)
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/truncated_bptt.py --quick    # a smoke run, not saved

Conditions: an RNN language model (H=64, one-hot letters) trained on the training words of the family-aware
split joined into one stream (each word followed by <end>), N=32 parallel rows, the state carried across chunks
and the gradient cut every k steps (min-char-rnn's seq_length), Adam lr 5e-3, clipping at global norm 5; every k
reads the same number of letters (2^19), so it makes 2^19 / (32 k) updates; seeds 0, 1, 2. Held-out per-letter
cross-entropy on the test words' stream at the end, and at the checkpoint with the lowest validation
cross-entropy. Wall-clock times are medians over a run's updates, measured one run at a time in this process:
they depend on the machine and its load, which is why they live here and not in a notebook output or a test.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

from rnnlib.data import LM_SYMBOLS, split_by_family, word_sentiment_data
from rnnlib.lessons.configurations import (
    TRUNCATION_KS,
    load_truncated_results,
    save_truncated_results,
    truncated_conditions,
    truncated_sweep,
    truncated_table,
    word_stream,
)

HERE = Path(__file__).resolve().parent
SEEDS = (0, 1, 2)
LETTERS = 2 ** 19  # about 14 passes over the training stream
EVALS = 8
SETTINGS = {"hidden_size": 64, "batch_size": 32, "lr": 5e-3, "clip": 5.0}
STREAM_SEEDS = {"train": 0, "val": 1, "test": 2}
MACHINE = ("a shared 2-core machine, OPENBLAS_NUM_THREADS=1, one run at a time (other jobs were running: the "
           "times are indicative, their ratios more than their values)")


def write_markdown(path, results):
    """The measurements as Markdown: the conditions, then the table."""
    m = results["meta"]
    text = ("# Truncated BPTT: chunk length k against held-out cross-entropy and time per update\n\n"
            + truncated_conditions(results) + "\n\n"
            f"{len(results['records'])} runs, {m['seconds']} s; numpy {m['numpy']}, Python {m['python']}; written "
            f"by `{m['command']}`.\n\n```\n" + truncated_table(results) + "\n```\n")
    Path(path).write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="k = 1, 8, 64, one seed, a small budget; not saved")
    parser.add_argument("--out", type=Path, default=HERE.parent / "rnnlib" / "results" / "truncated_bptt.json")
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite the .md next to --out from the saved JSON, without running anything")
    args = parser.parse_args(argv)
    if args.markdown_only:
        write_markdown(args.out.with_suffix(".md"), load_truncated_results(args.out))
        print(f"wrote {args.out.with_suffix('.md')}")
        return 0
    train_set, val_set, test_set = split_by_family(word_sentiment_data())
    streams = {name: word_stream(part.words, STREAM_SEEDS[name])
               for name, part in zip(("train", "val", "test"), (train_set, val_set, test_set))}
    ks, seeds, letters = ((1, 8, 64), (0,), 2 ** 15) if args.quick else (TRUNCATION_KS, SEEDS, LETTERS)
    start = time.perf_counter()
    records = truncated_sweep(streams["train"], streams["test"], ks, seeds, letters=letters, progress=True,
                              val=streams["val"], evals=EVALS, **SETTINGS)
    seconds = round(time.perf_counter() - start)
    L = len(streams["train"]) // SETTINGS["batch_size"]
    meta = {"version": 1, "ks": list(ks), "seeds": list(seeds), "letters": letters, "evals": EVALS,
            "passes": letters / (SETTINGS["batch_size"] * L), "vocab_size": len(LM_SYMBOLS), "cell": "rnn",
            "optimizer": "adam", **SETTINGS, "split": "split_by_family(word_sentiment_data()), seed 0",
            "stream_seed": STREAM_SEEDS["train"], "train_words": len(train_set), "train_ids": len(streams["train"]),
            "val_words": len(val_set), "val_ids": len(streams["val"]), "test_words": len(test_set),
            "test_ids": len(streams["test"]), "machine": MACHINE, "seconds": seconds,
            "numpy": np.__version__, "python": platform.python_version(),
            "command": "OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/truncated_bptt.py"}
    results = {"meta": meta, "records": records}
    print(truncated_conditions(results))
    print(truncated_table(results))
    print(f"\n{len(records)} runs in {seconds} s")
    if not args.quick:
        save_truncated_results(args.out, records, meta)
        write_markdown(args.out.with_suffix(".md"), results)
        print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
