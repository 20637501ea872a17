"""Input checking shared by every public function.

Every public function converts its array arguments with :func:`as_array` so that bad input fails
early with a message that names the argument, the expected shape and the given shape, instead of
deep inside numpy with a broadcasting error.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_array", "check_dim", "format_shape"]


def format_shape(spec) -> str:
    """Render a shape spec such as ``("N", "T", 3)`` as ``(N, T, 3)``."""
    return "(" + ", ".join(str(s) for s in spec) + ("," if len(spec) == 1 else "") + ")"


def as_array(name, value, spec, dims=None, dtype=None, finite=True):
    """Convert ``value`` to a float array and check its shape against ``spec``.

    Parameters
    ----------
    name : str
        The argument's name, used in error messages.
    value : array_like
        The argument. Integer and boolean arrays (one-hot data often comes as integers) are
        converted to float64; float32 stays float32.
    spec : tuple of (str or int)
        Expected shape. A string names a dimension (``"N"``); an int is a fixed size.
    dims : dict, optional
        Sizes already bound by earlier arguments, updated in place with the new bindings so
        that ``N`` of ``x`` must equal ``N`` of ``h_prev``.
    dtype : numpy dtype, optional
        Target dtype; by default float arrays keep theirs and everything else becomes float64.
    finite : bool
        Reject NaN and inf.

    Returns
    -------
    numpy.ndarray
    """
    if dims is None:
        dims = {}
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of shape {format_shape(spec)}; got {type(value).__name__} "
                         f"that numpy cannot turn into an array ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array of shape {format_shape(spec)}; got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.kind != "f" or arr.dtype.itemsize < 4:
        arr = arr.astype(np.float64)
    if arr.ndim != len(spec):
        raise ValueError(f"{name} must have {len(spec)} dimension(s) with shape {format_shape(spec)}; "
                         f"got shape {arr.shape} ({arr.ndim} dimension(s))")
    expected = []
    for axis, (want, got) in enumerate(zip(spec, arr.shape)):
        if isinstance(want, str):
            bound = dims.setdefault(want, got)
            if bound != got:
                raise ValueError(f"{name} must have shape {format_shape(spec)} with {want}={bound} "
                                 f"(set by the other arguments); got shape {arr.shape}")
            expected.append(bound)
        else:
            if want != got:
                raise ValueError(f"{name} must have shape {format_shape(spec)}; got shape {arr.shape} "
                                 f"(axis {axis} is {got}, expected {want})")
            expected.append(want)
    if finite and not np.isfinite(arr).all():
        bad = np.size(arr) - np.count_nonzero(np.isfinite(arr))
        raise ValueError(f"{name} must be finite; got {bad} NaN or inf value(s) in an array of shape {arr.shape}")
    return arr


def check_dim(name, value, lo=1):
    """Check that a size argument is an int >= ``lo`` and return it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {lo}; got {value!r} ({type(value).__name__})")
    if value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}; got {value}")
    return int(value)


def result_dtype(*arrays):
    """The common float dtype of several arrays (float64 unless all are float32)."""
    return np.result_type(*arrays)
