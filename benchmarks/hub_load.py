"""Load test of the class hub: k learners at once, each in headless Chromium, on this machine.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/hub_load.py [--ks 1 2 4 8] [--reps 3]

For each k, a fresh hub (classroom/hub/, started and stopped by classroom/hub/run.py's Hub on free
127.0.0.1 ports) and k learners who, all at the same time, each in a Chromium of their own (one
thread each):

1. log in through the hub's login page and follow the nbgitpuller link (a local git repository of
   the course's notebooks), landing on notebook 00 in JupyterLab;
2. open notebook 03, Run All, move every explorer (the first control that redraws a figure
   ``--reps`` times, the others once: tests/browser/lab.py's check_notebook), stop the kernel;
3. the same with notebook 05.

Measured per learner: the peak RSS of the kernel (the kernel process and its children, sampled
every 0.5 s with psutil), the peak RSS of the learner's JupyterLab server, the CPU seconds of each
notebook's kernel (user + system, from its start to its shutdown: Run All plus the explorer moves),
the Run All time, the explorer latency (input event to new figure painted, lab.py's method), the
time from login to notebook 00 on screen, and every failure. Also sampled: the hub and proxy RSS,
the browsers' RSS and CPU (they run on the same 2 cores: the simulated learners' browsers compete
with the kernels, which a real class's laptops do not), and the load average.

Bounded: every step has a timeout (login 300 s, Run All 900 s, each explorer move 10 s), k is at
most 8, and each k's hub, servers, kernels and browsers are stopped before the next k starts. Traffic
goes to 127.0.0.1 only. Results: benchmarks/results/hub_load.json and .md (the table is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.hub import COURSE_FOLDER, Hub, HubLearner, gitpuller_link, make_course_repo, prepare_home  # noqa: E402
from browser.lab import check_notebook, launch_chromium  # noqa: E402

NOTEBOOKS = ("03_unrolled_many_to_one.ipynb", "05_lstm_cell.ipynb")
RESULTS = ROOT / "benchmarks" / "results"
MAX_K = 8
LOGIN_TIMEOUT_S = 300
RUN_TIMEOUT_S = 900
SAMPLE_S = 0.5
MB = 1024 * 1024


def _tree_rss(proc):
    """RSS of a process and its children (bytes); 0 when it is gone."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _cpu_seconds(proc):
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return None


class Sampler(threading.Thread):
    """Every SAMPLE_S: per learner, kernel and server RSS and each kernel's CPU seconds; the hub,
    proxy and browsers' RSS; the load average."""

    def __init__(self, hub):
        super().__init__(daemon=True)
        self.hub = hub
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.kernel_peak = {}  # learner -> bytes
        self.server_peak = {}
        self.kernel_cpu = {}  # kernel pid -> last CPU seconds seen
        self.hub_proxy_peak = 0
        self.browser_peak = 0
        self.browser_cpu = {}  # Chromium pid -> last CPU seconds seen
        self.load = []

    def sample(self):
        learners = self.hub.learner_processes()
        with self.lock:
            for name, info in learners.items():
                kernels = sum(_tree_rss(k) for k in info["kernels"])
                self.kernel_peak[name] = max(self.kernel_peak.get(name, 0), kernels)
                try:
                    server = info["server"].memory_info().rss
                except psutil.NoSuchProcess:
                    server = 0
                self.server_peak[name] = max(self.server_peak.get(name, 0), server)
                for k in info["kernels"]:
                    cpu = _cpu_seconds(k)
                    if cpu is not None:
                        self.kernel_cpu[k.pid] = cpu
            hub = psutil.Process(self.hub.process.pid)
            proxy = [p for p in hub.children() if "configurable-http-proxy" in " ".join(p.cmdline()[:2])]
            hub_proxy = hub.memory_info().rss + sum(p.memory_info().rss for p in proxy)
            self.hub_proxy_peak = max(self.hub_proxy_peak, hub_proxy)
            browsers = [p for p in psutil.Process().children(recursive=True) if "chrom" in p.name()]
            self.browser_peak = max(self.browser_peak, sum(_rss(p) for p in browsers))
            for p in browsers:
                cpu = _cpu_seconds(p)
                if cpu is not None:
                    self.browser_cpu[p.pid] = cpu
            self.load.append(os.getloadavg()[0])

    def run(self):
        while not self.done.is_set():
            try:
                self.sample()
            except (psutil.Error, OSError):
                pass
            self.done.wait(SAMPLE_S)


def _rss(proc):
    try:
        return proc.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def learner_run(hub, name, link, sampler, reps, result):
    """One learner's session (in its own thread, with its own Playwright and Chromium)."""
    from playwright.sync_api import sync_playwright

    learner = HubLearner(hub, name)
    prepare_home(learner.home)
    result.update(learner=name, failures=[], notebooks={})
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                learner.login_and_pull(page, link, timeout_s=LOGIN_TIMEOUT_S)
                result["login_to_notebook_s"] = time.perf_counter() - start
                page.close()
                for notebook in NOTEBOOKS:
                    relpath = f"{COURSE_FOLDER}/{notebook}"
                    report = check_notebook(context, learner, relpath, learner.home / relpath, reps=reps,
                                            run_timeout_s=RUN_TIMEOUT_S, log=lambda *_: None)
                    info = hub.learner_processes().get(name, {"kernels": []})
                    cpu = sum(_cpu_seconds(k) or sampler.kernel_cpu.get(k.pid, 0.0) for k in info["kernels"])
                    samples = [s for ex in report.explorers for s in ex.samples_ms if s is not None]
                    result["notebooks"][notebook] = {
                        "run_all_s": report.run_all_s,
                        "kernel_cpu_s": cpu,
                        "kernels": len(info["kernels"]),
                        "explorer_samples_ms": [round(s, 1) for s in samples],
                        "explorer_median_ms": statistics.median(samples) if samples else None,
                        "problems": report.problems,
                    }
                    result["failures"] += [f"{notebook}: {p}" for p in report.problems]
                    page = context.new_page()  # stop this notebook's kernel before the next one
                    page.goto(f"{learner.base_url}lab?reset", timeout=120_000)
                    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager",
                                           timeout=120_000)
                    learner.shutdown_kernels(page)
                    page.close()
                context.close()
            finally:
                browser.close()
    except Exception as exc:  # a failure of this learner, reported, not a crash of the benchmark
        result["failures"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        result["traceback"] = traceback.format_exc()[-3000:]
    with sampler.lock:
        result["kernel_peak_mb"] = sampler.kernel_peak.get(name, 0) / MB
        result["server_peak_mb"] = sampler.server_peak.get(name, 0) / MB


def run_k(k, reps, scratch, log):
    """k learners at once on a fresh hub; returns the k's summary and per-learner rows."""
    hub = Hub(work_dir=scratch / f"k{k}")
    rows = [{} for _ in range(k)]
    sampler = None
    threads = []
    load_start = os.getloadavg()
    wall = time.perf_counter()
    try:
        hub.start()
        link = gitpuller_link(hub.url, make_course_repo(scratch / f"k{k}-published"), "main", COURSE_FOLDER)
        sampler = Sampler(hub)
        sampler.start()
        threads = [threading.Thread(target=learner_run, args=(hub, f"learner{i + 1}", link, sampler, reps, rows[i]),
                                    daemon=True) for i in range(k)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + LOGIN_TIMEOUT_S + len(NOTEBOOKS) * (RUN_TIMEOUT_S + 300)
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        for i, t in enumerate(threads):
            if t.is_alive():
                rows[i].setdefault("failures", []).append("did not finish within the benchmark's time bound")
    finally:
        if sampler is not None:
            sampler.done.set()
            sampler.join(timeout=5)
        hub.stop()
        # browsers of a learner thread that did not finish: this process's children, by PID
        for p in psutil.Process().children(recursive=True):
            if "chrom" in p.name() or "node" in p.name():
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
    wall = time.perf_counter() - wall
    summary = summarise(k, rows, sampler, load_start, wall)
    log(format_row(summary))
    return summary, rows


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(k, rows, sampler, load_start, wall):
    per_nb = {}
    for nb in NOTEBOOKS:
        got = [r["notebooks"][nb] for r in rows if nb in r.get("notebooks", {})]
        per_nb[nb] = {
            "run_all_s_median": _med([g["run_all_s"] for g in got]),
            "run_all_s_max": max((g["run_all_s"] for g in got if g["run_all_s"] is not None), default=None),
            "kernel_cpu_s_median": _med([g["kernel_cpu_s"] for g in got]),
            "explorer_median_ms": _med([s for g in got for s in g["explorer_samples_ms"]]),
            "explorer_samples": sum(len(g["explorer_samples_ms"]) for g in got),
        }
    kernel_peaks = [r.get("kernel_peak_mb") for r in rows if r.get("kernel_peak_mb")]
    server_peaks = [r.get("server_peak_mb") for r in rows if r.get("server_peak_mb")]
    return {
        "k": k,
        "learners_finished": sum(1 for r in rows if r.get("notebooks") and len(r["notebooks"]) == len(NOTEBOOKS)),
        "failures": sum(len(r.get("failures", [])) for r in rows),
        "failure_messages": [f"{r.get('learner')}: {f}" for r in rows for f in r.get("failures", [])][:20],
        "kernel_peak_mb_median": _med(kernel_peaks),
        "kernel_peak_mb_max": max(kernel_peaks, default=None),
        "server_peak_mb_median": _med(server_peaks),
        "login_to_notebook_s_median": _med([r.get("login_to_notebook_s") for r in rows]),
        "notebooks": per_nb,
        "hub_proxy_peak_mb": sampler.hub_proxy_peak / MB if sampler else None,
        "browsers_peak_mb": sampler.browser_peak / MB if sampler else None,
        "browsers_cpu_s": sum(sampler.browser_cpu.values()) if sampler else None,
        "load_start_1min": load_start[0],
        "load_during_median": _med(sampler.load) if sampler else None,
        "load_during_max": max(sampler.load, default=None) if sampler else None,
        "wall_s": wall,
    }


def _f(value, fmt="{:.0f}"):
    return "-" if value is None else fmt.format(value)


HEADER = ("| k | failures | kernel RSS peak, median / max (MB) | server RSS (MB) | CPU s per notebook 03 / 05 "
          "| Run All 03 / 05 (s, median) | explorer latency 03 / 05 (ms, median) | login to notebook (s) "
          "| hub+proxy (MB) | browsers (MB, CPU s) | load avg start / during (median, max) |")


def format_row(s):
    nb3, nb5 = (s["notebooks"][nb] for nb in NOTEBOOKS)
    return (f"| {s['k']} | {s['failures']} ({s['learners_finished']}/{s['k']} finished) "
            f"| {_f(s['kernel_peak_mb_median'])} / {_f(s['kernel_peak_mb_max'])} | {_f(s['server_peak_mb_median'])} "
            f"| {_f(nb3['kernel_cpu_s_median'], '{:.1f}')} / {_f(nb5['kernel_cpu_s_median'], '{:.1f}')} "
            f"| {_f(nb3['run_all_s_median'], '{:.1f}')} / {_f(nb5['run_all_s_median'], '{:.1f}')} "
            f"| {_f(nb3['explorer_median_ms'])} / {_f(nb5['explorer_median_ms'])} "
            f"| {_f(s['login_to_notebook_s_median'], '{:.1f}')} | {_f(s['hub_proxy_peak_mb'])} "
            f"| {_f(s['browsers_peak_mb'])}, {_f(s['browsers_cpu_s'])} "
            f"| {s['load_start_1min']:.1f} / {_f(s['load_during_median'], '{:.1f}')}, "
            f"{_f(s['load_during_max'], '{:.1f}')} |")


def versions():
    from importlib.metadata import version

    out = {name: version(name) for name in ("jupyterhub", "jupyterlab", "nbgitpuller", "playwright", "numpy")}
    pkg = json.loads((ROOT / "node_modules" / "configurable-http-proxy" / "package.json").read_text())
    out["configurable-http-proxy"] = pkg["version"]
    out["python"] = platform.python_version()
    return out


def write_results(summaries, rows, args, started):
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
               "platform": platform.platform(), "chromium": "/usr/bin/chromium (Debian), headless, one per learner"}
    data = {"started": started, "rnnlib": args.rnnlib, "notebooks": list(NOTEBOOKS), "reps": args.reps,
            "machine": machine,
            "versions": versions(), "summaries": summaries, "learners": rows}
    (RESULTS / "hub_load.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    lines = [
        "# Hub load test (benchmarks/hub_load.py)",
        "",
        f"Started {started}; {machine['cpus']} cores, {machine['memory_gb']} GB, shared with other engineers' work "
        "(the load average is in the table). Versions: "
        + ", ".join(f"{k} {v}" for k, v in data["versions"].items()) + f"; rnnlib as of {args.rnnlib}.",
        f"k learners at once, each in its own headless Chromium on the same machine, log in through the hub, "
        f"follow the nbgitpuller link, then open {NOTEBOOKS[0]} and {NOTEBOOKS[1]}: Run All, move every explorer "
        f"(the timed control {args.reps} times), stop the kernel. Medians over the learners; kernel RSS: peak of "
        "the kernel process tree (psutil, every 0.5 s); CPU s: the kernel's user + system time for the notebook "
        "(Run All and the explorer moves).",
        "",
        HEADER,
        "|" + "---|" * HEADER.count(" | ") + "---|",
        *[format_row(s) for s in summaries],
    ]
    failures = [m for s in summaries for m in s["failure_messages"]]
    if failures:
        lines += ["", "Failures:", *[f"- {m}" for m in failures]]
    md = "\n".join(lines) + "\n"
    (RESULTS / "hub_load.md").write_text(md)
    return md


def use_committed_rnnlib(scratch):
    """Learners' kernels import rnnlib as committed (HEAD), not the working tree's edits in progress.

    ``git archive HEAD rnnlib`` into ``scratch/src``, put first on PYTHONPATH, which the hub passes
    to every learner's server and kernel (PYTHONPATH comes before the editable install's finder).
    Returns the commit.
    """
    src = scratch / "src"
    src.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "HEAD", "rnnlib"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 2, 4, 8], help="numbers of learners at once")
    parser.add_argument("--reps", type=int, default=3, help="timed moves of each explorer's first control")
    parser.add_argument("--worktree", action="store_true",
                        help="learners import rnnlib from the working tree (default: as committed, HEAD)")
    parser.add_argument("--scratch", type=Path, default=ROOT / "build" / "hub_load",
                        help="hubs' scratch folders (default build/hub_load/)")
    args = parser.parse_args(argv)
    if any(not 1 <= k <= MAX_K for k in args.ks):
        parser.error(f"each k must be between 1 and {MAX_K}, got {args.ks}")
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    args.rnnlib = "working tree" if args.worktree else f"commit {use_committed_rnnlib(args.scratch)}"
    print(HEADER, flush=True)
    summaries, all_rows = [], []
    for k in args.ks:
        summary, rows = run_k(k, args.reps, args.scratch, log=lambda line: print(line, flush=True))
        summaries.append(summary)
        all_rows += [dict(r, k=k) for r in rows]
        write_results(summaries, all_rows, args, started)  # keep the files current
    print()
    print(write_results(summaries, all_rows, args, started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
