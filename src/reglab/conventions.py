r"""Conversions between reglab's λ and the scalings of scikit-learn and glmnet.

reglab writes every problem in the lecture's form (no ``1/2``, no ``1/n``)::

    reglab       ||y - Xw||^2 + lam * P(w)
    sklearn      Ridge:              ||y - Xw||^2 + alpha ||w||^2
                 Lasso/ElasticNet:   1/(2n) ||y - Xw||^2 + alpha (r ||w||_1 + (1 - r)/2 ||w||^2)
    glmnet       1/(2n) ||y - Xw||^2 + lambda ((1 - a)/2 ||w||^2 + a ||w||_1)

Multiplying sklearn's lasso objective by ``2n`` gives reglab's with ``lam = 2 n alpha``, and
the same holds for the elastic net because reglab's :class:`~reglab.penalties.ElasticNet`
uses the same mixing. glmnet's ridge (``a = 0``) penalizes ``lambda/2 ||w||^2``, so against
reglab's ``L2`` (``||w||^2``, no half) ``lam = n lambda``. These are the only places where such
factors appear in reglab.
"""

from __future__ import annotations

from reglab._validation import ReglabInputError, check_nonnegative
from reglab.penalties import L1, L2, ElasticNet, Lp, Penalty

__all__ = ["from_glmnet_lambda", "from_sklearn_alpha", "to_glmnet_lambda", "to_sklearn_alpha"]


def _factor_sklearn(penalty: Penalty, n_samples: int) -> float:
    """Return reglab's lam per unit of scikit-learn's alpha."""
    if isinstance(penalty, L2) or (isinstance(penalty, Lp) and penalty.p == 2):
        return 1.0  # sklearn.linear_model.Ridge: ||y - Xw||^2 + alpha ||w||^2
    if isinstance(penalty, (L1, ElasticNet)) or (isinstance(penalty, Lp) and penalty.p == 1):
        return 2.0 * n_samples
    raise ReglabInputError("penalty", "has no scikit-learn counterpart (l1, l2, enet only)",
                           penalty)


def _factor_glmnet(penalty: Penalty, n_samples: int) -> float:
    """Return reglab's lam per unit of glmnet's lambda."""
    if isinstance(penalty, L2) or (isinstance(penalty, Lp) and penalty.p == 2):
        return float(n_samples)  # glmnet alpha = 0: 1/(2n) RSS + lambda/2 ||w||^2
    if isinstance(penalty, (L1, ElasticNet)) or (isinstance(penalty, Lp) and penalty.p == 1):
        return 2.0 * n_samples
    raise ReglabInputError("penalty", "has no glmnet counterpart (l1, l2, enet only)", penalty)


def _samples(n_samples: int) -> int:
    if int(n_samples) != n_samples or n_samples < 1:
        raise ReglabInputError("n_samples", "must be a positive integer", n_samples)
    return int(n_samples)


def to_sklearn_alpha(lam: float, penalty: Penalty, n_samples: int) -> float:
    """Return scikit-learn's ``alpha`` for reglab's ``lam`` (Ridge, Lasso or ElasticNet).

    Examples
    --------
    >>> from reglab.penalties import L1
    >>> to_sklearn_alpha(20.0, L1(), n_samples=10)
    1.0
    """
    lam = check_nonnegative("lam", lam)
    return lam / _factor_sklearn(penalty, _samples(n_samples))


def from_sklearn_alpha(alpha: float, penalty: Penalty, n_samples: int) -> float:
    """Return reglab's ``lam`` for scikit-learn's ``alpha``."""
    alpha = check_nonnegative("alpha", alpha)
    return alpha * _factor_sklearn(penalty, _samples(n_samples))


def to_glmnet_lambda(lam: float, penalty: Penalty, n_samples: int) -> float:
    """Return glmnet's ``lambda`` (gaussian family, objective form) for reglab's ``lam``."""
    lam = check_nonnegative("lam", lam)
    return lam / _factor_glmnet(penalty, _samples(n_samples))


def from_glmnet_lambda(glmnet_lambda: float, penalty: Penalty, n_samples: int) -> float:
    """Return reglab's ``lam`` for glmnet's ``lambda``."""
    glmnet_lambda = check_nonnegative("glmnet_lambda", glmnet_lambda)
    return glmnet_lambda * _factor_glmnet(penalty, _samples(n_samples))
