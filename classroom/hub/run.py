"""Start the class hub (classroom/hub/jupyterhub_config.py) on this machine, and stop all of it.

    make hub                                   # or:
    .venv/bin/python classroom/hub/run.py [--port 8000]

prints the hub's address, the TEST login (any learner name, one shared password printed at start)
and an nbgitpuller link that gives each learner a copy of the course from a local git repository
(build/hub/course/rnn-course, the notebooks of this checkout) and opens notebook 00. Ctrl-C stops
the hub, its proxy, every learner's server and kernel.

The same pieces serve the hub test (tests/test_hub.py) and the load benchmark
(benchmarks/hub_load.py): :class:`Hub` starts the hub on free ports with its own scratch folder and
waits until ``/hub/health`` answers; :meth:`Hub.stop` stops everything it started, bounded in time;
:func:`gitpuller_link` builds an nbgitpuller link; :func:`make_course_repo` makes the git repository
a link points at.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil

REPO = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).resolve().with_name("jupyterhub_config.py")
JUPYTERHUB = REPO / ".venv" / "bin" / "jupyterhub"
PROXY = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_FOLDER = "rnn-course"  # the folder nbgitpuller makes in each learner's home
FIRST_NOTEBOOK = "00_start_here.ipynb"


def gitpuller_link(hub_url, repo, branch, folder, notebook=FIRST_NOTEBOOK, app="lab"):
    """The nbgitpuller link that copies ``repo`` into a learner's home and opens ``notebook``.

    Parameters
    ----------
    hub_url : str
        The hub's address as learners open it, e.g. ``"https://hub.example.edu"`` (a trailing
        slash is ignored).
    repo : str
        The git repository's URL as the learner's server can reach it (``https://...``, or
        ``file:///path`` for a repository on the hub's machine).
    branch : str
        The branch to copy.
    folder : str
        The folder nbgitpuller clones into, in the learner's home: the last part of ``repo``'s
        path (nbgitpuller's default target).
    notebook : str
        The notebook's path inside the repository.
    app : str
        ``"lab"`` (JupyterLab) or ``"tree"`` (the classic file list).

    Returns
    -------
    str
        ``<hub>/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=lab/tree/<folder>/<notebook>?autodecode``
        with every value URL-encoded (the format of nbgitpuller's link generator).
    """
    for name, value in (("hub_url", hub_url), ("repo", repo), ("branch", branch), ("folder", folder),
                        ("notebook", notebook)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"gitpuller_link: {name} must be a non-empty string, got {value!r}")
    if app not in ("lab", "tree"):
        raise ValueError(f"gitpuller_link: app must be 'lab' or 'tree', got {app!r}")
    if not hub_url.startswith(("http://", "https://")):
        raise ValueError(f"gitpuller_link: hub_url must start with http:// or https://, got {hub_url!r}")
    path = f"{folder.strip('/')}/{notebook.lstrip('/')}"
    urlpath = f"lab/tree/{path}?autodecode" if app == "lab" else f"tree/{path}"
    query = urlencode({"repo": repo, "branch": branch, "urlpath": urlpath}, quote_via=quote, safe="")
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def make_course_repo(parent, notebooks_dir=REPO / "notebooks", name=COURSE_FOLDER, branch="main"):
    """A git repository ``parent/name`` holding the course's notebooks (one commit); its ``file://`` URL.

    This stands in for the repository a teacher publishes (the student edition, for example): the
    notebooks at its top level, so that nbgitpuller's copy is ``~/<name>/00_start_here.ipynb``.
    """
    notebooks = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"make_course_repo: no notebooks NN_*.ipynb in {notebooks_dir}")
    repo = Path(parent).resolve() / name
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    for path in notebooks:
        shutil.copy2(path, repo / path.name)
    env = dict(os.environ, GIT_AUTHOR_NAME="course", GIT_AUTHOR_EMAIL="course@localhost",
               GIT_COMMITTER_NAME="course", GIT_COMMITTER_EMAIL="course@localhost")
    for cmd in (["git", "init", "--quiet", "--initial-branch", branch],
                ["git", "add", "."],
                ["git", "commit", "--quiet", "-m", "the course's notebooks"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True, timeout=60)
    return repo.as_uri()


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """The class hub on 127.0.0.1, with its own scratch folder, started and stopped as a whole.

    Parameters
    ----------
    work_dir : path or None
        The hub's files (database, cookie secret, log) and the learners' homes (``work_dir/home``);
        a fresh temporary folder when None (removed by :meth:`stop`).
    port : int or None
        The public port; a free one when None. The hub's and the proxy's API ports are always free ones.
    password : str or None
        The shared TEST password (8 characters or more); a random one when None.
    startup_timeout : float
        Seconds to wait for ``/hub/health``.
    """

    def __init__(self, work_dir=None, port=None, password=None, startup_timeout=120.0):
        if password is not None and len(password) < 8:
            raise ValueError(f"Hub: the shared test password needs 8 characters or more, got {len(password)}")
        self._own_work_dir = work_dir is None
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="rnnlib-hub-")).resolve()
        self.homes = self.work_dir / "home"
        self.port = port
        self.password = password or secrets.token_urlsafe(12)
        self.startup_timeout = startup_timeout
        self.process = None
        self.log_path = self.work_dir / "jupyterhub.log"
        self._log = None
        self._seen = {}  # pid -> psutil.Process of everything the hub started, for stop()

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def home(self, learner):
        """The learner's home folder (where nbgitpuller puts the course)."""
        return self.homes / learner

    def start(self):
        for path, advice in ((JUPYTERHUB, "make lab (or make test) installs the course's .venv with the hub extra"),
                             (PROXY, "make test (or npm ci) installs node_modules from package.json")):
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: {advice}")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # learners' kernels behave as on a laptop
        env.update(
            RNNLIB_HUB_DIR=str(self.work_dir),
            RNNLIB_HUB_HOMES=str(self.homes),
            RNNLIB_HUB_PORT=str(self.port),
            RNNLIB_HUB_API_PORT=str(free_port()),
            RNNLIB_HUB_PROXY_API_PORT=str(free_port()),
            RNNLIB_HUB_TEST_PASSWORD=self.password,
            OPENBLAS_NUM_THREADS="1",
        )
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(JUPYTERHUB), "-f", str(CONFIG)], cwd=self.work_dir, env=env,
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:  # through the proxy: the hub and its proxy both answer
                with urllib.request.urlopen(f"{self.url}/hub/health", timeout=2) as resp:
                    if resp.status == 200:
                        self._remember()
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"JupyterHub did not answer /hub/health within {self.startup_timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _remember(self):
        """Note every process the hub started so far (proxy, learners' servers, their kernels)."""
        if self.process is None:
            return []
        try:
            found = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for proc in found:
            self._seen.setdefault(proc.pid, proc)
        return found

    def learner_processes(self):
        """``{learner: {"server": Process, "kernels": [Process, ...]}}`` for every running server."""
        out = {}
        for proc in self._remember():
            try:
                if not any("jupyterhub-singleuser" in part for part in proc.cmdline()[:2]):
                    continue
                learner = proc.environ().get("JUPYTERHUB_USER")
                kernels = [k for k in proc.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())]
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            for kernel in kernels:
                self._seen.setdefault(kernel.pid, kernel)
            out[learner] = {"server": proc, "kernels": kernels}
        return out

    def stop(self, timeout=45.0):
        """Stop the hub (which stops the learners' servers and the proxy), then anything left over.

        Bounded: SIGTERM to the hub and up to ``timeout`` seconds for its clean shutdown, then
        SIGTERM and SIGKILL to every process it started that still runs (kernels run in sessions
        of their own, so this is by PID, never by name).
        """
        proc = self.process
        if proc is not None:
            self._remember()
            self.learner_processes()  # the kernels too
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # JupyterHub stops servers and proxy on SIGTERM
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            left = [p for p in self._seen.values() if p.is_running()]
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for p in left:
                    try:
                        p.send_signal(sig)
                    except psutil.NoSuchProcess:
                        pass
                _, left = psutil.wait_procs(left, timeout=5)
                if not left:
                    break
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def leftovers(self):
        """Processes the hub started that still run (empty after :meth:`stop`)."""
        return [p for p in self._seen.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("RNNLIB_HUB_PORT", "8000")),
                        help="the port learners open (default 8000)")
    parser.add_argument("--dir", type=Path, default=REPO / "build" / "hub",
                        help="the hub's files and the learners' homes (default build/hub/)")
    args = parser.parse_args(argv)
    password = os.environ.get("RNNLIB_HUB_TEST_PASSWORD") or secrets.token_urlsafe(9)
    repo_url = make_course_repo(args.dir / "course")
    hub = Hub(work_dir=args.dir, port=args.port, password=password)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        hub.start()
        link = gitpuller_link(hub.url, repo_url, "main", COURSE_FOLDER)
        print(f"""
JupyterHub for the course is running at {hub.url}/ (this machine only; log: {hub.log_path})

TEST login: any learner name, and the shared password  {password}
(anyone reaching this address could log in as anyone: for trying the course out, never for a class)

Give each learner a copy of the course (from {repo_url}) and open notebook 00:
  {link}

Learners' homes: {hub.homes}/<name>.  Ctrl-C stops the hub, its proxy and every learner's server.
""", flush=True)
        while not stop and hub.process.poll() is None:
            time.sleep(0.5)
        if hub.process.poll() is not None:
            print(f"JupyterHub stopped by itself (code {hub.process.returncode}):\n{hub.log_tail()}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping the hub, its proxy and every learner's server...", flush=True)
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
