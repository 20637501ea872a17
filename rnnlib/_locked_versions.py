"""Versions the course was tested with, for the notebook 00 self-check.

Generated from requirements-lock.txt by `make lock` (tools/lock.py); do not edit by hand.
"""

PYTHON = "3.11"
LOCKED = {
    "numpy": "2.4.6",
    "matplotlib": "3.11.2",
    "ipywidgets": "8.1.9",
    "jupyterlab_widgets": "3.0.17",
    "jupyterlab": "4.6.6",
    "vaderSentiment": "3.3.2",
}
