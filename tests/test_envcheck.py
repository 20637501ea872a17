"""The environment self-check of notebook 00."""

from rnnlib.envcheck import REQUIREMENTS, PackageStatus, _version_tuple, environment_report, format_report
from rnnlib.widgets.selfcheck import widget_check


def test_report_covers_every_requirement_and_this_environment_passes():
    rows = environment_report()
    assert [r.name for r in rows] == list(REQUIREMENTS)
    assert all(r.ok for r in rows), format_report(rows)
    assert format_report(rows).endswith("All set.")


def test_missing_and_old_packages_get_advice():
    rows = environment_report({"surely-not-installed-pkg": ("1.0", "x"), "numpy": ("999.0", "maths")})
    assert rows[0].installed is None and "not installed" in rows[0].advice
    assert not rows[1].ok and "too old (need >= 999.0)" in rows[1].advice
    assert "Needs attention: surely-not-installed-pkg, numpy." in format_report(rows)


def test_version_comparison():
    assert _version_tuple("3.10.1rc1") == (3, 10, 1)
    assert PackageStatus("a", "3.10.0", "3.9", "").ok
    assert not PackageStatus("a", "3.8.9", "3.9", "").ok


def test_widget_check_echoes_the_slider():
    w = widget_check()
    assert "at 3 and 3 squared is 9" in w.echo.value
    w.controls["slider"].value = 7
    assert "at 7 and 7 squared is 49" in w.echo.value
    assert w.last_error is None
