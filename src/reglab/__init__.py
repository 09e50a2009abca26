"""reglab: a hands-on lab for regularization in machine learning.

One objective, written once: ``E(w, b) = sum_n (y_n - b - x_n.w)^2 + lam * P(w)``, the
intercept never penalized. Start with :func:`reglab.paths.fit_path`, the penalties in
:mod:`reglab.penalties`, :func:`reglab.selection.cross_validate` and the 2-D geometry in
:mod:`reglab.geometry`; ``reglab serve`` opens the browser lab.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reglab")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
