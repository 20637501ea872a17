"""Accuracy against lag on the memory task, for the RNN, the LSTM and the GRU under stated conditions.

Writes rnnlib/results/lag_sweep.json (committed package data; notebooks 04, 06 and 08 plot it) and prints a
Markdown table; a progress bar over the runs (tqdm) goes to standard error. Run from the repository root:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/lag_sweep.py            # full sweep
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/lag_sweep.py --quick    # a smoke run
    OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/lag_sweep.py --keys gru_sgd gru_adam --workers 2
        # only these configurations, merged into the saved sweep (every other record kept as it is)

Conditions: memory task with 8 features, hidden size 32, batch 64, 300 steps of fresh data,
gradient clipping at global norm 1, test accuracy on 1000 held-out sequences, seeds 0, 1, 2;
RNN, LSTM and GRU, each with SGD+momentum and with Adam, each with the library's default
initialisation and the one recommended for long memory (see CONFIGS). The GRU rows were added
later (notebook 08) with --keys, merged into the saved file. Steps to solve: the first
step at which the mean accuracy of the last 10 training batches (fresh data, scored before the
update) reaches 0.9. Runs go to one process per core (--workers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rnnlib.lessons.vanishing_gradient import (
    CONFIGS,
    RunConfig,
    conditions_table,
    lag_sweep,
    load_sweep,
    save_sweep,
    summarise,
    sweep_cell,
)

HERE = Path(__file__).resolve().parent
LAGS = (5, 10, 15, 20, 30, 50, 100, 200)
SEEDS = (0, 1, 2)


def markdown_table(summary, configs, cell=sweep_cell):
    lags = sorted({lag for per in summary.values() for lag in per})
    lines = ["| configuration | " + " | ".join(f"lag {lag}" for lag in lags) + " |",
             "|---|" + "---|" * len(lags)]
    for key, per in summary.items():
        cells = [cell(per[lag]) for lag in lags]
        lines.append(f"| {configs[key].name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def steps_cell(row):
    return "-" if row["steps"] is None else f"{row['steps']:.0f}"


def write_markdown(path, records, configs, meta):
    """The sweep as Markdown: its conditions, then accuracy and steps-to-solve tables."""
    summary = summarise(records)
    seeds = ", ".join(str(seed) for seed in meta["seeds"])
    added = meta.get("added", [])
    first = len(records) - sum(a["runs"] for a in added)  # the runs of the original sweep
    text = (
        "# Lag sweep: accuracy against lag on the memory task\n\n"
        f"Memory task with 8 features (one signal at t = 1, lag distractors after it); every run trains on fresh "
        f"sequences for its step budget and is tested on 1000 held-out sequences; seeds {seeds}; a run is solved "
        "at test accuracy >= 0.9 (chance 0.5). Steps to solve: the first training step at which the mean accuracy "
        "of the last 10 training batches (fresh data, scored before the update) reached 0.9; 10 is the floor. "
        f"{first} runs, {meta['seconds']} s with {meta['workers']} worker processes; written by "
        f"`{meta['command']}`." + "".join(
            f" Added later, rows {', '.join(a['keys'])}: {a['runs']} runs, {a['seconds']} s with {a['workers']} "
            f"worker processes, by `{a['command']}`." for a in added) + "\n\n"
        "Configurations (key, cell, initialisation, optimiser, budget):\n\n```\n"
        + conditions_table(configs) + "\n```\n\n"
        "Mean test accuracy (seeds with accuracy >= 0.9 / seeds)\n\n" + markdown_table(summary, configs)
        + "\n\nMedian steps to solve (of the seeds that solved it; - if none)\n\n"
        + markdown_table(summary, configs, steps_cell) + "\n"
    )
    Path(path).write_text(text)


def merge_sweep(sweep, records, configs, added):
    """A saved sweep with the records of ``configs`` replaced by (or extended with) new ones.

    Every record and configuration of another key is kept as it was, in its order; the new records
    follow. ``added`` (the conditions of the new runs) is appended to ``meta["added"]``.
    """
    keys = set(configs)
    kept = [r for r in sweep["records"] if r["config"] not in keys]
    old_configs = {k: c for k, c in sweep["configs"].items() if k not in keys}
    meta = dict(sweep["meta"])
    meta["added"] = [a for a in meta.get("added", []) if not set(a["keys"]) <= keys] + [added]
    return {"configs": {**old_configs, **{k: asdict(c) for k, c in configs.items()}},
            "records": kept + records, "meta": meta}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two lags, one seed, not saved")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: one per core)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "rnnlib" / "results" / "lag_sweep.json")
    parser.add_argument("--keys", nargs="+", choices=sorted(CONFIGS), metavar="KEY",
                        help="run only these configurations and merge their records into --out (records of the "
                             "other configurations are kept unchanged; those of KEY are replaced)")
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite the .md next to --out from the saved JSON, without running anything")
    args = parser.parse_args(argv)
    if args.markdown_only:
        sweep = load_sweep(args.out)
        configs = {key: RunConfig(**c) for key, c in sweep["configs"].items()}
        write_markdown(args.out.with_suffix(".md"), sweep["records"], configs, sweep["meta"])
        print(f"wrote {args.out.with_suffix('.md')}")
        return 0
    lags, seeds = ((5, 30), (0,)) if args.quick else (LAGS, SEEDS)
    configs = CONFIGS if args.keys is None else {key: CONFIGS[key] for key in args.keys}
    start = time.perf_counter()
    records = lag_sweep(configs, lags, seeds, progress=True, workers=args.workers)
    seconds = time.perf_counter() - start
    summary = summarise(records)
    print("mean test accuracy (seeds with accuracy >= 0.9 / seeds)")
    print(markdown_table(summary, configs))
    print("\nmedian steps to solve (of the seeds that solved it)")
    print(markdown_table(summary, configs, steps_cell))
    print(f"\n{len(records)} runs in {seconds:.0f} s")
    if args.keys is not None and not args.quick:
        merged = merge_sweep(load_sweep(args.out), records, configs, {
            "keys": list(configs), "runs": len(records), "workers": args.workers, "lags": list(lags),
            "seeds": list(seeds), "seconds": round(seconds), "numpy": np.__version__,
            "python": platform.python_version(),
            "command": "OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/lag_sweep.py --keys "
                       + " ".join(configs) + f" --workers {args.workers}"})
        args.out.write_text(json.dumps(merged, indent=1) + "\n")
        all_configs = {key: RunConfig(**c) for key, c in merged["configs"].items()}
        write_markdown(args.out.with_suffix(".md"), merged["records"], all_configs, merged["meta"])
        print(f"merged into {args.out}")
    elif not args.quick:
        meta = {"version": 2, "workers": args.workers, "lags": list(lags), "seeds": list(seeds),
                "seconds": round(seconds),
                "numpy": np.__version__, "python": platform.python_version(),
                "command": "OPENBLAS_NUM_THREADS=1 .venv/bin/python experiments/lag_sweep.py"}
        save_sweep(args.out, records, CONFIGS, meta)
        write_markdown(args.out.with_suffix(".md"), records, CONFIGS, meta)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
