"""Triangular solves that let other threads run: the homotopies of cross-validation folds.

Cross-validation runs one lasso homotopy per fold in a thread pool (:mod:`reglab.selection`).
numpy's ``matmul`` releases the GIL while BLAS works, but scipy's f2py wrappers
(``scipy.linalg.lapack.dtrtrs`` and the like) hold it for the whole call: the triangular
solves of the Cholesky homotopy, a third of its time with hundreds of active features, then
ran one fold at a time. The same LAPACK routine is exported by scipy's Cython API
(``scipy.linalg.cython_lapack``) as a C function pointer, and a ``ctypes`` call of a C
function releases the GIL. Where that API is missing, the f2py wrapper is used (same results,
one thread at a time).
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from reglab._scipy_linalg import scipy_linalg

# Our own prototypes of the two C-API functions (setting ``restype`` on ``ctypes.pythonapi``'s
# shared ones would change them for everyone).
_capsule_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(
    ("PyCapsule_GetName", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))


def _cython_lapack_function(name: str, prototype: type, arguments: str):
    """Return the C function ``name`` of ``scipy.linalg.cython_lapack``, or None.

    None when scipy has no such function or when its C signature is not ``void (arguments)``
    (with ``d`` for scipy's double type): a build whose LAPACK integers are 64 bits, say, would
    be called with the wrong argument types.
    """
    try:
        from scipy.linalg import cython_lapack

        capsule = cython_lapack.__pyx_capi__[name]
    except (ImportError, AttributeError, KeyError):
        return None
    signature = _capsule_name(capsule)
    types = [t.strip() for t in signature.decode().removeprefix("void (").rstrip(")").split(",")]
    if [("d *" if t.endswith("_d *") else t) for t in types] != arguments.split(", "):
        return None
    return prototype(_capsule_pointer(capsule, signature))


# dtrtrs(uplo, trans, diag, n, nrhs, a, lda, b, ldb, info), Fortran's calling convention: every
# argument by reference (ctypes passes a c_int given for a POINTER(c_int) by reference).
_CHAR, _INT, _ARRAY = ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_void_p
_DTRTRS_PROTOTYPE = ctypes.CFUNCTYPE(None, _CHAR, _CHAR, _CHAR, _INT, _INT, _ARRAY, _INT, _ARRAY,
                                     _INT, _INT)
_DTRTRS_ARGUMENTS = "char *, char *, char *, int *, int *, d *, int *, d *, int *, int *"


@cache
def _dtrtrs():
    """Return scipy's Cython ``dtrtrs`` as a ctypes function (or None), at the first solve."""
    return _cython_lapack_function("dtrtrs", _DTRTRS_PROTOTYPE, _DTRTRS_ARGUMENTS)


_TRANS = {False: b"N", True: b"T"}
_ONE = ctypes.c_int(1)


def solve_upper(R: np.ndarray, k: int, B: np.ndarray, trans: bool = False) -> np.ndarray:
    """Return ``T^{-1} B`` (``T^{-T} B`` with ``trans``), ``T`` the leading k x k block of R.

    Parameters
    ----------
    R : ndarray of float64, Fortran order, shape (m, m) with m >= k
        Its leading ``k x k`` block ``T`` is upper triangular and nonsingular; the rest of R
        (below the diagonal, beyond column k) is not read.
    k : int
        The order of ``T``.
    B : ndarray of shape (k, n_rhs) or (k,)
        Right-hand sides; not modified.
    trans : bool, default False
        Solve with ``T^T`` instead of ``T``.

    Notes
    -----
    LAPACK's ``dtrtrs`` on ``R``'s memory (leading dimension m, no copy of the block), with the
    GIL released when scipy's Cython LAPACK is available.
    """
    X = np.array(B, dtype=np.float64, order="F", copy=True)
    if k == 0 or X.size == 0:
        return X
    if not (R.flags.f_contiguous and R.dtype == np.float64):
        raise ValueError("R must be a float64 array in Fortran order")
    dtrtrs = _dtrtrs()
    if dtrtrs is None:
        view = X.reshape(k, -1, order="F")
        view[...], info = scipy_linalg().lapack.dtrtrs(R[:, :k], view, trans=int(trans))
        _check_pivot(info)
        return X
    # One call per column: OpenBLAS solves a single right-hand side with a BLAS-2 kernel, which
    # for two columns was ~20% faster here than one call with its BLAS-3 kernel.
    order, info = ctypes.c_int(k), ctypes.c_int(0)
    args = (b"U", _TRANS[bool(trans)], b"N", order, _ONE, R.ctypes.data, ctypes.c_int(R.shape[0]))
    first = X.ctypes.data
    for column in range(X.size // k):
        dtrtrs(*args, first + 8 * k * column, order, info)
        _check_pivot(info.value)
    return X


def _check_pivot(info: int) -> None:
    """Raise for LAPACK's ``info > 0``: a zero on the diagonal, the factor is singular."""
    if info:
        raise np.linalg.LinAlgError(f"singular triangular factor (zero pivot {info})")
