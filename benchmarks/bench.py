"""Benchmarks: forward+backward of rnnlib's RNN and LSTM (against PyTorch when it is installed),
and the Python side of one update of every explorer.

    make bench                                   # or:
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench.py [--reps 20] [--skip-widgets]

Method: on a shared machine single timings lie, so the contenders are interleaved (rnnlib, torch,
rnnlib, torch, ...), each timed block is preceded by ~0.15 s of idle time (BLAS and OpenMP worker
threads keep spinning after a call and slow whatever runs next), and medians are reported. Both
libraries use the same number of threads (the BLAS thread count of numpy, read with threadpoolctl
when available, else OPENBLAS_NUM_THREADS) and the same dtype and data. PyTorch is never a
dependency of the course: without it, only rnnlib's times are printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import rnnlib

SIZES = [(1, 3, 26, 8), (32, 20, 26, 64), (64, 50, 32, 128), (128, 100, 64, 256)]


def _widget_modules():
    """Every chapter's explorer module, in course order (the notebooks' order)."""
    import rnnlib.widgets

    chapters = {m.name for m in pkgutil.iter_modules(rnnlib.widgets.__path__)} - {"base"}
    notebooks = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    in_order = [nb.stem[3:] for nb in notebooks if nb.stem[3:] in chapters]
    return in_order + sorted(chapters - set(in_order))


WIDGET_MODULES = _widget_modules()


def blas_threads():
    try:
        from threadpoolctl import threadpool_info

        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return counts[0]
    except ImportError:
        pass
    return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def make_data(cell, N, T, D, H, dtype, seed=0):
    rng = np.random.default_rng(seed)
    k = 4 if cell == "lstm" else 1
    bound = 1 / np.sqrt(H)
    return {
        "x": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": np.zeros((N, H), dtype=dtype),
        "Wx": rng.uniform(-bound, bound, (D, k * H)).astype(dtype),
        "Wh": rng.uniform(-bound, bound, (H, k * H)).astype(dtype),
        "b": rng.uniform(-bound, bound, k * H).astype(dtype),
        "dhs": rng.standard_normal((N, T, H)).astype(dtype),
    }


def rnnlib_runner(cell, data):
    fwd, bwd = (rnnlib.lstm_forward, rnnlib.lstm_backward) if cell == "lstm" else (rnnlib.rnn_forward,
                                                                                  rnnlib.rnn_backward)
    args = {k: data[k] for k in ("x", "h0", "Wx", "Wh", "b")}

    def run():
        hs, cache = fwd(**args)
        bwd(data["dhs"], cache)

    return run


def torch_runner(torch, cell, data):
    """torch.nn.RNN/LSTM (batch_first) loaded with the same weights, forward + backward."""
    N, T, D = data["x"].shape
    H = data["h0"].shape[1]
    dtype = torch.float64 if data["x"].dtype == np.float64 else torch.float32
    cls = torch.nn.LSTM if cell == "lstm" else torch.nn.RNN
    net = cls(D, H, batch_first=True).to(dtype)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(data["Wx"].T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(data["Wh"].T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(data["b"]))
        net.bias_hh_l0.zero_()
    x = torch.from_numpy(data["x"]).requires_grad_(True)
    dhs = torch.from_numpy(data["dhs"])

    def run():
        net.zero_grad(set_to_none=True)
        x.grad = None
        hs, _ = net(x)
        hs.backward(dhs)

    # same answer as rnnlib (checked once, so a timing never compares different computations)
    hs_torch, _ = net(x)
    fwd = rnnlib.lstm_forward if cell == "lstm" else rnnlib.rnn_forward
    hs_ours, _ = fwd(data["x"], data["h0"], data["Wx"], data["Wh"], data["b"])
    tol = 1e-8 if dtype == torch.float64 else 1e-3
    assert np.allclose(hs_torch.detach().numpy(), hs_ours, atol=tol), "torch and rnnlib disagree"
    return run


def timed(run, reps):
    """Median seconds of ``reps`` calls, each after a short idle pause."""
    times = []
    for _ in range(reps):
        time.sleep(0.15 / reps * 4 if reps > 4 else 0.15)
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def bench_math(reps):
    try:
        torch = importlib.import_module("torch")
        torch.set_num_threads(blas_threads())
    except ImportError:
        torch = None
    rows = []
    for cell in ("rnn", "lstm"):
        for dtype in (np.float64, np.float32):
            for N, T, D, H in SIZES:
                data = make_data(cell, N, T, D, H, dtype)
                contenders = {"rnnlib": rnnlib_runner(cell, data)}
                if torch is not None:
                    contenders["torch"] = torch_runner(torch, cell, data)
                for run in contenders.values():  # warm-up
                    run()
                samples = {name: [] for name in contenders}
                # interleave: a few reps of each in turn, so both see the same machine load
                rounds = 4
                for _ in range(rounds):
                    for name, run in contenders.items():
                        time.sleep(0.15)
                        samples[name] += timed(run, max(1, reps // rounds))
                med = {name: statistics.median(s) for name, s in samples.items()}
                rows.append((cell, np.dtype(dtype).name, (N, T, D, H), med, len(samples["rnnlib"])))
                ratio = f"{med['rnnlib'] / med['torch']:.2f}x" if "torch" in med else "-"
                torch_ms = f"{med['torch'] * 1e3:9.2f}" if "torch" in med else "        -"
                print(f"| {cell:4s} | {np.dtype(dtype).name:7s} | {str((N, T, D, H)):18s} | "
                      f"{med['rnnlib'] * 1e3:9.2f} | {torch_ms} | {ratio:>6s} |", flush=True)
    return rows


def bench_widgets(reps):
    """One update of every explorer (the Python side: control change -> new PNG in the widget).

    Wall time is what a learner waits for; the process's CPU time is printed beside it because on
    a shared machine it moves much less with the load (other processes' work is not counted).
    """
    print("\n| explorer | control -> value | median ms | worst ms | CPU median ms |")
    print("|---|---|---|---|---|")
    for mod_name in WIDGET_MODULES:
        try:
            mod = importlib.import_module(f"rnnlib.widgets.{mod_name}")
        except ImportError:
            continue
        cases = getattr(mod, "benchmark_cases", None)
        if cases is None:
            continue
        for name, explorer, control, value in cases():
            widget = explorer.controls[control]
            original = widget.value
            times, cpu = [], []
            for k in range(reps):
                target = value if k % 2 == 0 else original  # every repetition is a real change
                start, start_cpu = time.perf_counter(), time.process_time()
                widget.value = target  # the observer calls explorer.update()
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                if explorer.last_error is not None:
                    raise RuntimeError(f"{name}: {explorer.last_error!r}")
            print(f"| {name} | {control} -> {value!r} | {statistics.median(times) * 1e3:.1f} | "
                  f"{max(times) * 1e3:.1f} | {statistics.median(cpu) * 1e3:.1f} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per contender (>= 20)")
    parser.add_argument("--skip-widgets", action="store_true")
    parser.add_argument("--skip-math", action="store_true")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS threads {blas_threads()}, "
          f"cores {os.cpu_count()}")
    if not args.skip_math:
        print("\nforward + backward, median ms (ratio < 1: rnnlib faster)\n")
        print("| cell | dtype   | (N, T, D, H)       | rnnlib ms |  torch ms | ratio  |")
        print("|------|---------|--------------------|-----------|-----------|--------|")
        bench_math(args.reps)
    if not args.skip_widgets:
        bench_widgets(max(args.reps, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
