"""A JupyterHub for a class taking the course, on one machine.

Start it with ``make hub`` (or ``.venv/bin/python classroom/hub/run.py``), which sets the variables
below, starts ``.venv/bin/jupyterhub -f classroom/hub/jupyterhub_config.py`` and prints the address
and how to log in. docs/teaching.md ("A class on one server") says what it was tested with and what
a class needs.

What runs:

- the hub: JupyterHub from PyPI, installed in the course's environment ``.venv/`` (the ``hub``
  extra of pyproject.toml, pinned in requirements-lock.txt);
- its proxy: ``configurable-http-proxy`` from npm (package.json), in ``node_modules/.bin/``;
- one JupyterLab per learner, started by the hub as a local process
  (``jupyterhub-singleuser`` from ``.venv/``: the course's locked environment, rnnlib included),
  with the course's JupyterLab defaults (no news toast: jupyter/overrides.json, which ``make``
  copies into .venv/share/jupyter/lab/settings/) and nbgitpuller, which hands each learner a copy
  of the course into their home folder.

Everything is configured by environment variables (defaults in brackets), so that a test can run
several hubs side by side and nothing is written inside the repository's tracked files:

``RNNLIB_HUB_DIR``         the hub's own files: sqlite database, cookie secret, pid files
                           [build/hub/ in this repository; build/ is not tracked]
``RNNLIB_HUB_HOMES``       the learners' home folders, one per learner [$RNNLIB_HUB_DIR/home]
``RNNLIB_HUB_PORT``        the port learners open (the proxy's public side) [8000]
``RNNLIB_HUB_API_PORT``    the hub's own port, behind the proxy [8081]
``RNNLIB_HUB_PROXY_API_PORT``  the proxy's REST API [8001]
``RNNLIB_HUB_MEM_LIMIT``   memory per learner [1G]; ``RNNLIB_HUB_CPU_LIMIT`` cores per learner [1]
``RNNLIB_HUB_TEST_PASSWORD``   switches the TEST login on (see below)

Every address is 127.0.0.1: this hub is reachable from this machine only.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub runs this file with get_config() defined

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
HUB_DIR = Path(os.environ.get("RNNLIB_HUB_DIR", REPO / "build" / "hub")).resolve()
HOMES = Path(os.environ.get("RNNLIB_HUB_HOMES", HUB_DIR / "home")).resolve()
HUB_DIR.mkdir(parents=True, exist_ok=True)
HOMES.mkdir(parents=True, exist_ok=True)

# --- Addresses: this machine only ---------------------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ.get("RNNLIB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("RNNLIB_HUB_API_PORT", "8081"))

# --- The hub's own files (never in the repository's tracked files) ------------------------------
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")

# --- The proxy: configurable-http-proxy from npm (package.json, `npm ci`) ------------------------
c.ConfigurableHTTPProxy.command = [str(REPO / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ.get('RNNLIB_HUB_PROXY_API_PORT', '8001'))}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
# the hub starts the proxy and stops it when it stops (the default, said here for the reader)
c.ConfigurableHTTPProxy.should_start = True

# --- One JupyterLab per learner, as a local process ----------------------------------------------
# SimpleLocalProcessSpawner starts each learner's server as a process of the user running the hub,
# with its own home folder. It is chosen here because learners are not accounts on this machine;
# it gives NO isolation between learners (same user, same files) and is only for trying the course
# out and for the tests. A real hub spawns each learner in a container or as a system user:
# Zero to JupyterHub on Kubernetes uses KubeSpawner (one pod per learner), The Littlest JupyterHub
# uses its systemd spawner (one Unix user and one systemd unit per learner).
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
# the course's locked environment is the learners' environment: its single-user server and kernel
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"  # JupyterLab, not the classic notebook tree
# the server starts in the learner's home (the spawner changes into it): nbgitpuller puts the course there
c.Spawner.environment = {
    # The course's matrices are small; one BLAS thread per kernel is faster and leaves the other
    # cores to the other learners (the Makefile says the same for `make lab`).
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# a busy machine starts a server slowly; the defaults (60 s and 30 s) fail a class arriving at once
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120

# Memory and CPU per learner. The local process spawner does NOT enforce these: it only passes them
# to the learner's server as MEM_LIMIT and CPU_LIMIT (which a resource-usage display can show).
# KubeSpawner (Zero to JupyterHub) and TLJH's systemd spawner enforce both; only KubeSpawner also
# honours mem_guarantee / cpu_guarantee (what the Kubernetes scheduler reserves per learner).
c.Spawner.mem_limit = os.environ.get("RNNLIB_HUB_MEM_LIMIT", "1G")
c.Spawner.cpu_limit = float(os.environ.get("RNNLIB_HUB_CPU_LIMIT", "1"))

# Idle learners: a real hub shuts their servers down after a while, with the jupyterhub-idle-culler
# service (`pip install jupyterhub-idle-culler`, then c.JupyterHub.services = [{"name": "idle-culler",
# "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"]}] with a role that may
# list users and stop servers; Zero to JupyterHub has it on by default: cull.timeout). It is not in
# the course's environment, so this local hub does not cull. Each learner's server can still stop
# its own idle kernels:
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=3600",  # an idle kernel is stopped after an hour
    "--MappingKernelManager.cull_interval=300",
    # learners do not install JupyterLab extensions, and their servers never ask PyPI for any
    "--LabApp.extension_manager=readonly",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # a container where everything runs as root (as this test machine): Jupyter refuses root unless told
    c.Spawner.args.append("--allow-root")

# When the hub stops, it stops every learner's server and its proxy (the defaults, said here).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- Who may log in -------------------------------------------------------------------------------
# !!! TEST LOGIN ONLY !!! With RNNLIB_HUB_TEST_PASSWORD set, ANYONE who can reach the hub logs in
# as ANY learner name with that one shared password (JupyterHub's SharedPasswordAuthenticator), and
# every learner can open every other learner's files. This is for `make hub` on your own machine
# and for the tests, on 127.0.0.1 only. A class uses a real authenticator instead: your
# institution's (OAuthenticator: GitHub, Google, Azure AD, generic OAuth; LTI from a learning
# platform; or Unix accounts with TLJH).
TEST_PASSWORD = os.environ.get("RNNLIB_HUB_TEST_PASSWORD")
if TEST_PASSWORD:
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = TEST_PASSWORD
    c.Authenticator.allow_all = True  # any learner name, the test's and `make hub`'s throwaway learners
else:
    raise SystemExit(
        "classroom/hub/jupyterhub_config.py has no authenticator for real learners: set "
        "RNNLIB_HUB_TEST_PASSWORD (8 or more characters) to try it on this machine with a shared TEST "
        "password (make hub does), or set c.JupyterHub.authenticator_class to your institution's "
        "authenticator before using it for a class."
    )
