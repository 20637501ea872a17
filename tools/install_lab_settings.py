"""Install the course's JupyterLab defaults into the running Python environment.

Copies jupyter/overrides.json to ``<sys.prefix>/share/jupyter/lab/settings/overrides.json``, where
JupyterLab reads the defaults of its settings: no "Would you like to get notified about official
Jupyter news?" toast over the first notebook, no check for updates. A learner can still change both
in Settings > Notifications. `make lab` and `make test` copy the same file when they install; `make test-latest`
and Binder (postBuild) run this script; conda
users run it once after `conda activate rnn-course`:

    python tools/install_lab_settings.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "jupyter" / "overrides.json"


def main():
    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, target)
    print(f"JupyterLab defaults (no news toast, no update check) installed: {target}")


if __name__ == "__main__":
    main()
