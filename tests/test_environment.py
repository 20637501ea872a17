"""pyproject.toml (ranges), requirements-lock.txt (exact tested versions) and environment.yml (conda,
Binder) agree: the same packages, every locked version inside pyproject's range, conda pins equal to
the lock."""

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from lock import canonical, lock_python, pin_environment, read_lock  # noqa: E402

# in environment.yml but not a direct dependency in pyproject.toml: pinned so conda installs the
# tested widget front end together with ipywidgets
CONDA_EXTRAS = {"jupyterlab-widgets"}


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def direct_requirements():
    """Every direct dependency (runtime and dev) of pyproject.toml, as packaging Requirements."""
    project = pyproject()
    return [Requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"]]


def applies_to_lock(req):
    """False for back-ports whose marker excludes the Python the lock was resolved on."""
    if req.marker is None:
        return True
    version = lock_python()
    return Marker(str(req.marker)).evaluate({"python_version": ".".join(version.split(".")[:2]),
                                            "python_full_version": version})


def environment_specs():
    """``{canonical name: (spec, where)}`` of environment.yml (where: 'conda' or 'pip'), and python's."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs, python = {}, None
    for dep in env["dependencies"]:
        entries = [(s, "pip") for s in dep["pip"]] if isinstance(dep, dict) else [(dep, "conda")]
        for spec, where in entries:
            if spec.startswith("-"):
                continue
            m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
            name, rest = canonical(m.group(1)), m.group(2).replace(" ", "")
            if name == "python":
                python = rest
            elif name != "pip":
                specs[name] = (rest, where)
    return specs, python


def test_same_packages_and_python():
    pip_names = {canonical(r.name) for r in direct_requirements() if r.marker is None}
    conda_specs, conda_python = environment_specs()
    assert set(conda_specs) == pip_names | CONDA_EXTRAS
    assert conda_python == pyproject()["requires-python"]


def test_every_direct_dependency_is_locked_inside_its_range():
    pins = read_lock(ROOT / "requirements-lock.txt")
    for req in direct_requirements():
        if not applies_to_lock(req):
            continue
        name = canonical(req.name)
        assert name in pins, f"{req.name} is a dependency in pyproject.toml but not in requirements-lock.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"locked {req.name}=={pins[name]} is outside pyproject's range {req.specifier}"


def test_lock_excludes_the_course_package_and_the_installer():
    pins = read_lock(ROOT / "requirements-lock.txt")
    assert not {"rnnlib", "pip", "setuptools"} & set(pins)


def test_environment_pins_equal_the_lock():
    pins = read_lock(ROOT / "requirements-lock.txt")
    specs, _ = environment_specs()
    for name, (spec, where) in specs.items():
        expected = ("==" if where == "pip" else "=") + pins[name]
        assert spec == expected, f"environment.yml has {name}{spec}, the lock has {name}=={pins[name]}"
    assert specs["vaderSentiment".lower()][1] == "pip" and specs["playwright"][1] == "pip"


def test_pin_environment_rewrites_conda_and_pip_entries():
    text = ("channels:\n  - conda-forge\ndependencies:\n  - python>=3.10\n  - pip\n  - numpy>=1.24\n  # note\n"
            "  - pip:\n      - vaderSentiment>=3.3\n      - -e .\n")
    out = pin_environment(text, {"numpy": "2.0.1", "vadersentiment": "3.3.2"})
    assert out == ("channels:\n  - conda-forge\ndependencies:\n  - python>=3.10\n  - pip\n  - numpy=2.0.1\n  # note\n"
                   "  - pip:\n      - vaderSentiment==3.3.2\n      - -e .\n")
    with pytest.raises(ValueError, match="scipy, which is not in the lock"):
        pin_environment("dependencies:\n  - scipy>=1\n", {})


def test_environment_installs_the_course_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
