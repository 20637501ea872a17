"""The smudged letter: how much the readers' test accuracy moves with the seed, and what a longer budget buys.

Prints, for each cell, reading direction and seed, the test accuracy at the blank overall and at the first, middle
and last letter (and the process CPU time of the training, which depends on the machine and its load: that is why
it lives here and not in a notebook output or a test). Nothing is saved. Run from the repository root:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py   # RNN both, seeds 0 1 2
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/smudged_letter_seeds.py --cells gru --reads left right both

Conditions: notebook 08's readers (rnnlib.lessons.both_ways_and_gru.train_reader's defaults unless given: H = 32,
Adam lr 1e-2, batch 128, clip 5, 2 epochs, the weights of the epoch with the lowest validation loss) on every
letter of every word of the family-aware split (seed 0); scored on every letter of every test word.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rnnlib.data import POSITION_CLASSES
from rnnlib.lessons.both_ways_and_gru import reader_name, smudge_data, smudge_rows, train_reader


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["rnn"], choices=["rnn", "lstm", "gru"])
    parser.add_argument("--reads", nargs="+", default=["both"], choices=["left", "right", "both"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--hidden-size", type=int, default=32)
    args = parser.parse_args(argv)
    data = smudge_data()
    for cell in args.cells:
        for reads in args.reads:
            accs = []
            for seed in args.seeds:
                t = time.process_time()
                run = train_reader(reads, cell, hidden_size=args.hidden_size, epochs=args.epochs, seed=seed, data=data)
                cpu = time.process_time() - t
                row = smudge_rows(data, {reads: run})[-1]
                accs.append(row.accuracy)
                by = "  ".join(f"{c} {100 * row.by_position[c]:5.1f}%" for c in POSITION_CLASSES)
                print(f"{reader_name(run):<16} H={args.hidden_size} seed {seed}: test {100 * row.accuracy:5.1f}%  "
                      f"{by}  (epoch {run.best_epoch} of {args.epochs} kept; training {cpu:.1f} s CPU)", flush=True)
            if len(accs) > 1:
                print(f"{reader_name(run):<16} over seeds {args.seeds}: mean {100 * np.mean(accs):.1f}%, "
                      f"range {100 * min(accs):.1f}-{100 * max(accs):.1f}%", flush=True)


if __name__ == "__main__":
    main()
