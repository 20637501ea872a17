"""The class hub (classroom/hub/) as two learners meet it, in headless Chromium.

The hub starts on free 127.0.0.1 ports with its own scratch folder (JupyterHub from .venv, the proxy
from node_modules, the local process spawner, the TEST shared-password login). Two learners log in
through the hub's login page and follow the nbgitpuller link to a local git repository of the
course's notebooks; each lands on notebook 00 open in JupyterLab with their own copy of the course
in their own home, and runs notebook 00 (Run All, every explorer moved once) with no error. The hub,
its proxy, both servers and their kernels are stopped at the end, even on failure.

Run only this test: ``.venv/bin/python -m pytest -o addopts="" tests/test_hub.py -q``.
The load test (k learners at once, notebooks 03 and 05) is a benchmark: benchmarks/hub_load.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from browser.hub import COURSE_FOLDER, FIRST_NOTEBOOK, Hub, HubLearner, gitpuller_link, make_course_repo, prepare_home
from browser.lab import check_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LEARNERS = ("ada", "alan")


# ------------------------------------------------------------------------------------------------
# The link (no hub needed)
# ------------------------------------------------------------------------------------------------


def test_gitpuller_link_is_encoded_and_round_trips():
    link = gitpuller_link("https://hub.example.edu/", "https://github.com/org/rnn-course-student", "main",
                          "rnn-course-student")
    assert link == (
        "https://hub.example.edu/hub/user-redirect/git-pull?"
        "repo=https%3A%2F%2Fgithub.com%2Forg%2Frnn-course-student&branch=main&"
        "urlpath=lab%2Ftree%2Frnn-course-student%2F00_start_here.ipynb%3Fautodecode"
    )
    # a local repository with a space in its path: every value survives the round trip
    link = gitpuller_link("http://127.0.0.1:8000", "file:///tmp/my course/rnn-course", "week 2", "rnn-course",
                          "05_lstm_cell.ipynb")
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    assert " " not in link and "/tmp" not in parts.query
    assert {k: v for k, v in parse_qs(parts.query).items()} == {
        "repo": ["file:///tmp/my course/rnn-course"],
        "branch": ["week 2"],
        "urlpath": ["lab/tree/rnn-course/05_lstm_cell.ipynb?autodecode"],
    }


def test_gitpuller_link_classic_tree_has_no_autodecode():
    link = gitpuller_link("http://h", "https://g/r", "main", "r", app="tree")
    assert unquote(parse_qs(urlsplit(link).query)["urlpath"][0]) == "tree/r/00_start_here.ipynb"


@pytest.mark.parametrize("kwargs, message", [
    ({"hub_url": "hub.example.edu"}, "hub_url must start with http"),
    ({"repo": ""}, "repo must be a non-empty string"),
    ({"branch": None}, "branch must be a non-empty string"),
    ({"app": "notebook"}, "app must be 'lab' or 'tree'"),
])
def test_gitpuller_link_rejects_bad_input(kwargs, message):
    args = {"hub_url": "http://h", "repo": "https://g/r", "branch": "main", "folder": "r"} | kwargs
    with pytest.raises(ValueError, match=message):
        gitpuller_link(**args)


def test_course_repo_holds_the_notebooks_on_main(tmp_path):
    url = make_course_repo(tmp_path)
    repo = tmp_path / COURSE_FOLDER
    assert url == repo.as_uri()
    tracked = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    assert tracked == NOTEBOOKS
    branch = subprocess.run(["git", "branch", "--show-current"], cwd=repo, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert branch == "main"


def test_hub_refuses_a_short_password():
    with pytest.raises(ValueError, match="8 characters or more, got 5"):
        Hub(password="short")


# ------------------------------------------------------------------------------------------------
# Two learners through the hub, in Chromium
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The class hub on free ports; stopped (hub, proxy, servers, kernels) at the end, even on failure."""
    hub = Hub(work_dir=tmp_path_factory.mktemp("hub"))
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
        left = hub.leftovers()
        assert not left, f"processes left running after the hub stopped: {[p.cmdline()[:3] for p in left]}"


@pytest.fixture(scope="module")
def browser(chromium_or_reason):
    """Debian's Chromium (tests/conftest.py: one per session); a missing browser FAILS with install advice."""
    if isinstance(chromium_or_reason, str):
        pytest.fail(chromium_or_reason, pytrace=False)
    return chromium_or_reason


@pytest.mark.browser
@pytest.mark.hub
def test_two_learners_get_their_own_course_and_run_notebook_00(hub, browser, tmp_path):
    link = gitpuller_link(hub.url, make_course_repo(tmp_path / "published"), "main", COURSE_FOLDER)
    relpath = f"{COURSE_FOLDER}/{FIRST_NOTEBOOK}"
    learners = [HubLearner(hub, name) for name in LEARNERS]
    contexts = []
    try:
        for learner in learners:
            prepare_home(learner.home)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            contexts.append(context)
            page = context.new_page()
            landed = learner.login_and_pull(page, link)
            # JupyterLab of this learner, on notebook 00 of their copy
            assert urlsplit(landed).path == f"/user/{learner.name}/lab/tree/{relpath}", landed
            assert FIRST_NOTEBOOK in learner.open_tab_titles(page)
            copy = learner.home / COURSE_FOLDER
            assert sorted(p.name for p in copy.glob("[0-9][0-9]_*.ipynb")) == NOTEBOOKS
            assert (copy / ".git").is_dir(), "nbgitpuller's copy is a git clone (later links merge updates)"
            page.close()

        # each learner runs notebook 00 in their own JupyterLab: no error, every explorer moves
        for learner, context in zip(learners, contexts):
            report = check_notebook(context, learner, relpath, learner.home / relpath, reps=1, run_timeout_s=300)
            assert report.run_all_s is not None, f"{learner.name}: Run All did not finish: {report.problems}"
            assert not report.problems, f"{learner.name}, notebook 00 through the hub:\n- " + "\n- ".join(
                report.problems)

        # separate servers, homes and kernels
        running = hub.learner_processes()
        assert sorted(running) == sorted(LEARNERS)
        servers = {name: info["server"] for name, info in running.items()}
        assert len({p.pid for p in servers.values()}) == 2
        for learner in learners:
            assert servers[learner.name].environ()["HOME"] == str(learner.home)
            kernels = running[learner.name]["kernels"]
            assert len(kernels) == 1, f"{learner.name}: {len(kernels)} kernels, expected notebook 00's only"
            assert Path(kernels[0].cwd()) == learner.home / COURSE_FOLDER
        assert running["ada"]["kernels"][0].pid != running["alan"]["kernels"][0].pid
    finally:
        for context in contexts:
            context.close()
