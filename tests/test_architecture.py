"""The package's layering and its public API."""

import subprocess
import sys

import rnnlib

PUBLIC_MATH = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
               "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]


def test_core_imports_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, rnnlib, rnnlib.sweep, rnnlib.gradcheck, rnnlib.data, rnnlib.train; "
            "import pkgutil, importlib; "
            "core = [m.name for m in pkgutil.iter_modules(rnnlib.__path__) if not m.ispkg]; "
            "[importlib.import_module('rnnlib.' + m) for m in core]; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"core imported {result.stdout.strip()} {result.stderr}"


def test_viz_does_not_import_ipywidgets_or_pyplot():
    code = ("import sys, pkgutil, importlib, rnnlib.viz as v; "
            "[importlib.import_module('rnnlib.viz.' + m.name) for m in pkgutil.iter_modules(v.__path__)]; "
            "bad = [m for m in ('ipywidgets', 'matplotlib.pyplot') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"viz imported {result.stdout.strip()} {result.stderr}"


def test_public_math_api_is_importable_from_the_root_and_documented():
    for name in PUBLIC_MATH:
        fn = getattr(rnnlib, name)
        doc = fn.__doc__ or ""
        assert "Parameters" in doc and "Returns" in doc, name
        assert "shape" in doc, name
    assert set(PUBLIC_MATH) <= set(rnnlib.__all__)
    for name in rnnlib.__all__:
        assert hasattr(rnnlib, name), name
