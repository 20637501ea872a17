"""Input checking shared by every public function.

Every public function converts its array arguments with :func:`as_array` so that bad input fails
early with a message that names the argument, the expected shape and the given shape, instead of
deep inside numpy with a broadcasting error.
"""

from __future__ import annotations

import functools
import re

import numpy as np

__all__ = ["as_array", "as_arrays", "check_dim", "format_shape"]


def format_shape(spec) -> str:
    """Render a shape spec such as ``("N", "T", 3)`` as ``(N, T, 3)``."""
    return "(" + ", ".join(str(s) for s in spec) + ("," if len(spec) == 1 else "") + ")"


def as_array(name, value, spec, dims=None, dtype=None, finite=True, bind=True):
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
    bind : bool
        Check named dimensions against ``dims``; :func:`as_arrays` turns this off and checks
        them across all arguments at once.

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
        if isinstance(want, str) and not bind:
            expected.append(got)  # checked across arguments by as_arrays
        elif isinstance(want, str):
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


@functools.cache
def _dimension(want):
    """``"4H"`` -> (4, "H"); ``"N"`` -> (1, "N"): a named size, possibly a multiple of one."""
    m = re.fullmatch(r"(\d*)([A-Za-z]\w*)", want)
    return int(m.group(1) or 1), m.group(2)


def _names(names):
    names = sorted(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def as_arrays(*args, dtype=None):
    """Convert several arguments and check that they agree about every named dimension.

    Parameters
    ----------
    *args : tuple of (str, array_like, tuple)
        ``(name, value, spec)`` for each argument, as for :func:`as_array`. A spec entry may be a
        multiple of a named size: ``("D", "4H")`` is an LSTM's ``Wx``.
    dtype : numpy dtype, optional
        As for :func:`as_array`.

    Returns
    -------
    list of numpy.ndarray
        The arguments in the order given.

    Notes
    -----
    When the arguments disagree about a size, the error names the argument that disagrees with
    the rest (``h0`` built for H=3 beside ``Wx``, ``Wh`` and ``b`` built for H=5 is ``h0``'s fault,
    not ``Wx``'s); when there is no majority, it names every argument and the size each implies.
    """
    arrays = [as_array(name, value, spec, dtype=dtype, bind=False) for name, value, spec in args]
    # what each argument says about each named size: {dim: {name: {size}}}; a size that is not a
    # whole multiple (19 columns for 4H) is kept as the text "19/4", which never wins
    votes = {}
    for (name, _, spec), arr in zip(args, arrays):
        for want, got in zip(spec, arr.shape):
            if isinstance(want, str):
                k, dim = _dimension(want)
                size = got // k if got % k == 0 else f"{got}/{k}"
                votes.setdefault(dim, {}).setdefault(name, set()).add(size)
    sizes = {}
    for dim, by_name in votes.items():
        implied = {v for vals in by_name.values() for v in vals}
        if len(implied) == 1 and isinstance(next(iter(implied)), int):
            sizes[dim] = implied.pop()
            continue
        support = sorted(((len({n for n, vals in by_name.items() if v in vals}), v) for v in implied
                          if isinstance(v, int)), reverse=True)
        if support and (len(support) == 1 or support[0][0] > support[1][0]):
            sizes[dim] = support[0][1]
            continue
        shapes = {a[0]: arr.shape for a, arr in zip(args, arrays)}
        claims = "; ".join(f"{n} has shape {shapes[n]} ({dim}={', '.join(str(v) for v in sorted(vals, key=str))})"
                           for n, vals in sorted(by_name.items()))
        raise ValueError(f"the arguments disagree about {dim}: {claims}. Each must have the same {dim}.")
    for (name, _, spec), arr in zip(args, arrays):
        for want, got in zip(spec, arr.shape):
            if not isinstance(want, str):
                continue
            k, dim = _dimension(want)
            if got != k * sizes[dim]:
                others = _names(n for n, vals in votes[dim].items() if vals == {sizes[dim]})
                expected = tuple(_dimension(s)[0] * sizes[_dimension(s)[1]] if isinstance(s, str) else s for s in spec)
                bound = f"{want}={k * sizes[dim]}, {dim}={sizes[dim]}" if k != 1 else f"{dim}={sizes[dim]}"
                raise ValueError(f"{name} must have shape {format_shape(spec)} = {expected} with {bound} "
                                 f"(as {others} say); got shape {arr.shape}")
    return arrays


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
