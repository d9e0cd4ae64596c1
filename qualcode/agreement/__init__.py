"""Intercoder agreement: coefficients on a coders x units matrix, and codings compared as units.

::

    from qualcode import agreement as ag
    ag.krippendorff_alpha([[1, 2, None], [1, 3, 3]], level="nominal")
    ag.bootstrap_ci(ag.cohen_kappa, data, n_boot=1000, seed=0)
    ag.compare(corpus, codings, unit="segment")      # per code, coder pair and document
    ag.compare(corpus, codings, unit="nvivo")        # NVivo's coding comparison numbers
    ag.compare(corpus, codings, unit="unitizing")    # Krippendorff's u-alpha on free spans
    ag.disagreements(corpus, codings, unit="segment")

An undefined coefficient is :class:`Undefined`: NaN with a ``reason``.
"""
from .bootstrap import bootstrap_ci, bootstrap_replicates
from .metrics import (
    Coefficient,
    Undefined,
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    fleiss_category_kappas,
    fleiss_kappa,
    gwet_ac1,
    is_undefined,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from .unitizing import unitizing_alpha
from .units import ALL_CODES, METRICS, UNITS, compare, disagreements, reliability_data

__all__ = [
    "Undefined", "Coefficient", "is_undefined", "percent_agreement", "cohen_kappa", "scott_pi",
    "fleiss_kappa", "conger_kappa",
    "fleiss_category_kappas", "krippendorff_alpha", "gwet_ac1", "brennan_prediger",
    "bootstrap_ci", "bootstrap_replicates", "compare", "disagreements", "reliability_data",
    "unitizing_alpha", "ALL_CODES", "METRICS", "UNITS",
]
