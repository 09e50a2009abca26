"""``scipy.linalg``, imported at its first use.

Importing it takes ~0.2 s (measured after numpy and Panel are loaded): every ``reglab serve``
would wait that long before printing its URL, although the lab's first page (a ridge path, from
numpy's SVD) never calls it. The modules that need it call :func:`scipy_linalg` where they do.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def scipy_linalg() -> ModuleType:
    """Return ``scipy.linalg`` (with its ``blas`` and ``lapack``), imported on the first call."""
    import scipy.linalg

    return scipy.linalg
