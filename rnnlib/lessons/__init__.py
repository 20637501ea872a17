"""Numpy support for the notebooks, one module per chapter (numpy only, no drawing).

Each module is named after its notebook (``lessons/vanishing_gradient.py`` for
``notebooks/04_vanishing_gradient.ipynb``) and holds the experiments, tables and traces that
notebook shows, built on the library at the package's top level. A chapter imports only from
the library and from earlier chapters; :mod:`rnnlib.viz` and :mod:`rnnlib.widgets` build on it.
"""
