"""The environment self-check of notebook 00."""

import os

import pytest

import rnnlib
from rnnlib._locked_versions import LOCKED
from rnnlib.lessons.start_here import (
    REQUIREMENTS,
    PackageStatus,
    _version_tuple,
    environment_report,
    format_report,
    python_status,
    verdict,
)
from rnnlib.widgets.start_here import widget_check

LATEST = os.environ.get("RNN_COURSE_LATEST") == "1"  # `make test-latest`: newest versions, not the lock


def test_report_covers_every_requirement_and_this_environment_works():
    rows = environment_report()
    assert [r.name for r in rows] == list(REQUIREMENTS)
    assert all(r.ok for r in rows), format_report(rows)
    assert not verdict(rows).startswith("Needs attention"), format_report(rows)


@pytest.mark.skipif(LATEST, reason="make test-latest installs the newest versions, not the tested ones")
def test_this_environment_has_the_tested_versions():
    rows = environment_report()
    assert all(r.as_tested for r in rows), format_report(rows)
    assert format_report(rows).endswith("All set: these are the versions the course was tested with.")


def test_report_compares_with_the_lock_and_rnnlibs_own_version():
    rows = {r.name: r for r in environment_report()}
    for name, version in LOCKED.items():
        assert rows[name].tested == version
    assert rows["rnnlib"].tested == rnnlib.__version__
    header = format_report().splitlines()[0].split()
    assert header == ["package", "installed", "tested", "status"]


def test_missing_and_old_packages_get_advice():
    rows = environment_report({"surely-not-installed-pkg": ("1.0", "x"), "numpy": ("999.0", "maths")})
    assert rows[0].installed is None and "not installed" in rows[0].advice
    assert not rows[1].ok and "too old (need >= 999.0)" in rows[1].advice and "make lab" in rows[1].advice
    assert "Needs attention: surely-not-installed-pkg, numpy." in format_report(rows)


def test_versions_that_differ_from_the_tested_ones_work_but_say_what_to_do():
    newer = PackageStatus("numpy", "3.0.0", "1.24", "maths", tested="2.4.6")
    older = PackageStatus("matplotlib", "3.8.0", "3.7", "figures", tested="3.11.2")
    assert newer.ok and not newer.as_tested
    assert newer.advice.startswith("works, but newer than the tested 2.4.6")
    assert older.advice.startswith("works, but older than the tested 3.11.2")
    assert "make lab" in newer.advice and "requirements-lock.txt" in newer.advice
    text = verdict([newer, older])
    assert text.startswith("Should work: every package is new enough, but numpy, matplotlib differ")
    assert "Widgets" not in text
    widgets = PackageStatus("jupyterlab_widgets", "3.1.0", "3.0", "front end", tested="3.0.17")
    assert "if the slider below does not answer" in verdict([widgets])


def test_the_python_row_compares_major_minor_with_the_tested_version():
    assert python_status("3.11.7", tested="3.11").advice == "ok"
    newer, older = python_status("3.13.1", tested="3.11"), python_status("3.10.4", tested="3.11")
    assert newer.ok and newer.advice.startswith("works, but newer than the tested 3.11: if a cell fails")
    assert older.ok and older.advice.startswith("works, but older than the tested 3.11")
    assert "Python 3.11" in newer.advice and "environment.yml" in newer.advice
    assert python_status("3.9.18", tested="3.11").advice.startswith("too old (need >= 3.10)")
    rows = [PackageStatus("numpy", "2.4.6", "1.24", "maths", tested="2.4.6")]
    report = format_report(rows, python_version="3.13.1").splitlines()
    assert report[1].split()[:3] == ["python", "3.13.1", "3.11"] and "works, but newer" in report[1]
    assert report[-1].startswith("Should work: every package is new enough, but python differs")
    assert format_report(rows, python_version="3.11.2").endswith("All set: these are the versions the course was "
                                                                  "tested with.")


def test_a_stale_rnnlib_install_is_flagged():
    stale = PackageStatus("rnnlib", "0.0.9", "0.0", "the course", tested="0.1.0")
    assert stale.ok and not stale.as_tested
    assert "installed package says 0.0.9 but the code imported is 0.1.0" in stale.advice
    assert "pip install --no-deps -e ." in stale.advice
    assert verdict([stale]).startswith("Needs attention: rnnlib.")


def test_version_comparison():
    assert _version_tuple("3.10.1rc1") == (3, 10, 1)
    assert PackageStatus("a", "3.10.0", "3.9", "").ok
    assert not PackageStatus("a", "3.8.9", "3.9", "").ok
    assert PackageStatus("a", "1.0", "1.0", "", tested=None).as_tested  # nothing to compare with


def test_widget_check_echoes_the_slider():
    w = widget_check()
    assert "at 3 and 3 squared is 9" in w.echo.value
    w.controls["slider"].value = 7
    assert "at 7 and 7 squared is 49" in w.echo.value
    assert w.last_error is None
