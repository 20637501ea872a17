"""The course's JupyterLab defaults (jupyter/overrides.json): no "get notified about Jupyter news?" toast
over the first notebook, no update check. `make lab`/`make test` install the file as JupyterLab's
overrides.json in the virtual environment; these tests check it against the installed JupyterLab's own
settings schemas, and that the environment running the tests has it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "jupyter" / "overrides.json"
LAB = Path(sys.prefix) / "share" / "jupyter" / "lab"


def _schema(plugin_id):
    package, plugin = plugin_id.split(":")
    path = LAB / "schemas" / package / f"{plugin}.json"
    assert path.exists(), f"{plugin_id}: no settings schema at {path} (renamed in this JupyterLab?)"
    return json.loads(path.read_text())


def test_overrides_turn_the_news_and_update_check_off():
    overrides = json.loads(OVERRIDES.read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"  # "none" asks in a toast; "false" is "Never"
    assert notification["checkForUpdates"] is False


@pytest.mark.parametrize("plugin_id", sorted(json.loads(OVERRIDES.read_text())))
def test_overrides_match_the_installed_schemas(plugin_id):
    settings = json.loads(OVERRIDES.read_text())[plugin_id]
    schema = _schema(plugin_id)
    for key in settings:
        assert key in schema["properties"], f"{plugin_id} has no setting {key!r}"
    jsonschema.validate(settings, {k: v for k, v in schema.items() if not k.startswith("jupyter.lab")})


def test_the_environment_has_the_overrides_installed():
    installed = LAB / "settings" / "overrides.json"
    assert installed.exists(), f"{installed} is missing: `make lab` / `make test` copy jupyter/overrides.json there"
    assert json.loads(installed.read_text()) == json.loads(OVERRIDES.read_text())
