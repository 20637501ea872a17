"""Run notebooks in JupyterLab in headless Chromium and time every explorer, without pytest.

Usage::

    .venv/bin/python tools/browser_latency.py                      # every notebooks/NN_*.ipynb
    .venv/bin/python tools/browser_latency.py 02_rnn_recurrence    # some of them (name or stem)
    .venv/bin/python tools/browser_latency.py --dir /tmp/nbs --reps 9 --out build/latency-try

It does what the browser test does (tests/test_browser.py): copy the notebook folder to a
temporary one, start JupyterLab there, Run All, check that outputs and widgets rendered, move
each explorer's controls with the keyboard, and write browser_latency.json/.md plus screenshots.
Prints every problem found and the latency table; exits 1 if there was a problem (a latency
above the goal is reported in the table, never a failure; see tests/browser/lab.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.lab import (  # noqa: E402
    NOTEBOOK_GLOB,
    BrowserUnavailable,
    LabServer,
    check_notebook,
    copy_notebooks,
    launch_chromium,
    write_latency,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names or stems (default: all)")
    parser.add_argument("--dir", type=Path, default=ROOT / "notebooks", help="folder of notebooks")
    parser.add_argument("--reps", type=int, default=5, help="timed changes per explorer")
    parser.add_argument("--run-timeout", type=float, default=600, help="seconds a notebook's Run All may take")
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="where to write the report")
    args = parser.parse_args(argv)

    paths = sorted(args.dir.glob(NOTEBOOK_GLOB))
    if args.notebooks:
        wanted = {Path(n).stem for n in args.notebooks}
        paths = [p for p in paths if p.stem in wanted]
    if not paths:
        parser.error(f"no notebooks matching {args.notebooks or NOTEBOOK_GLOB} in {args.dir}")

    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    reports = []
    with tempfile.TemporaryDirectory(prefix="rnnlib-browser-") as tmp:
        served = copy_notebooks(args.dir, Path(tmp) / "notebooks")
        with LabServer(served) as server, sync_playwright() as pw:
            try:
                browser = launch_chromium(pw)
            except BrowserUnavailable as exc:
                print(exc, file=sys.stderr)
                return 2
            try:
                for path in paths:
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    try:
                        reports.append(check_notebook(context, server, path.name, served / path.name,
                                                      screenshot_dir=args.out / "screenshots", reps=args.reps,
                                                      run_timeout_s=args.run_timeout))
                    finally:
                        context.close()
                        server.shutdown_sessions()
            finally:
                browser.close()
    md = write_latency(reports, args.out)
    failed = False
    for rep in reports:
        for problem in rep.problems:
            failed = True
            print(f"PROBLEM {rep.notebook}: {problem}")
    print()
    print(md)
    for rep in reports:
        print(f"{rep.notebook}: Run All {rep.run_all_s or 0:.1f} s, total {rep.total_s:.1f} s, "
              f"screenshot {rep.screenshot}")
    print(f"wall time {time.perf_counter() - start:.1f} s; report in {args.out}/browser_latency.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
