"""Shared fixtures and settings of the test suite."""

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests never open windows
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    """A fresh seeded generator per test."""
    return np.random.default_rng(1234)
