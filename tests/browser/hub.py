"""A learner in headless Chromium on the class hub (classroom/hub/): log in, follow the nbgitpuller
link, land on notebook 00, then open, Run All and drive notebooks with tests/browser/lab.py's tools.

Used by tests/test_hub.py (one or two learners) and benchmarks/hub_load.py (k learners at once).
The hub itself (start, stop, the link) is classroom/hub/run.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

from browser.lab import write_lab_settings

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # classroom/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from classroom.hub.run import COURSE_FOLDER, FIRST_NOTEBOOK, Hub, gitpuller_link, make_course_repo  # noqa: E402

__all__ = ["COURSE_FOLDER", "FIRST_NOTEBOOK", "Hub", "HubLearner", "gitpuller_link", "make_course_repo",
           "prepare_home"]

# What the harness (not the course) sets in a learner's JupyterLab, as LabServer does for the
# browser test: every cell stays in the DOM (explorers can be found), no autosave, no news; and
# the page may read the kernel's status (window.jupyterapp).
SERVER_CONFIG = {"LabApp": {"expose_app_in_browser": True}}


def prepare_home(home):
    """Write the harness's JupyterLab settings into a learner's home before their server starts."""
    home = Path(home)
    write_lab_settings(home / ".jupyter" / "lab" / "user-settings")
    (home / ".jupyter" / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG, indent=2))
    return home


class HubLearner:
    """One learner of the hub: the ``server`` that lab.py's :func:`check_notebook` drives.

    ``notebook_url`` points into the learner's own JupyterLab behind the hub (the browser context
    carries the login cookie).
    """

    def __init__(self, hub, name):
        self.hub = hub
        self.name = name
        self.home = hub.home(name)

    @property
    def base_url(self):
        return f"{self.hub.url}/user/{self.name}/"

    def notebook_url(self, relpath):
        return f"{self.base_url}lab/tree/{relpath}?reset"

    def login_and_pull(self, page, link, timeout_s=240):
        """Log in through the hub's login page, going on to ``link`` (an nbgitpuller link).

        Waits until the hub started the learner's server, nbgitpuller copied the course, and
        JupyterLab shows the linked notebook. Returns the final URL.
        """
        parts = urlsplit(link)
        next_path = parts.path + ("?" + parts.query if parts.query else "")
        page.goto(f"{self.hub.url}/hub/login?next={quote(next_path, safe='')}", timeout=timeout_s * 1000)
        page.fill("#username_input", self.name)
        page.fill("#password_input", self.hub.password)
        page.click("#login_submit")
        # the spawn page, then nbgitpuller's progress page, then JupyterLab with the notebook open
        page.wait_for_url(f"**/user/{self.name}/lab/**", timeout=timeout_s * 1000)
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden)", timeout=timeout_s * 1000)
        return page.url

    def open_tab_titles(self, page):
        """The titles of the documents open in JupyterLab's main area."""
        return page.locator(".jp-MainAreaWidget .lm-TabBar-tabLabel, #jp-main-dock-panel .lm-TabBar-tabLabel") \
            .all_inner_texts()

    def shutdown_kernels(self, page):
        """Stop every kernel of this learner's server (from the page, as Kernel > Shut Down All does)."""
        page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
