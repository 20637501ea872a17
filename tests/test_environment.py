"""environment.yml (conda, Binder) and pyproject.toml (pip) name the same dependencies."""

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def split_spec(spec):
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    specs = [s for s in specs if "python_version <" not in s]  # back-ports conda does not need
    return dict(split_spec(s) for s in specs), project["requires-python"]


def environment_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs, python = {}, None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                if not spec.startswith("-"):
                    specs.update([split_spec(spec)])
        else:
            name, rest = split_spec(dep)
            if name == "python":
                python = rest
            elif name != "pip":
                specs[name] = rest
    return specs, python


def test_same_packages_and_lower_bounds():
    pip_specs, pip_python = pyproject_requirements()
    conda_specs, conda_python = environment_requirements()
    assert conda_specs == pip_specs
    assert conda_python == pip_python


def test_environment_installs_the_course_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
