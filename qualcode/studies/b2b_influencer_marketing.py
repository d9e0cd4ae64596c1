"""The bundled replication: B2B influencer marketing (DESIGN.md), in one place.

The settings ``qualcode demo`` runs :func:`qualcode.study.run_study` with, and the facts the
papers' quotes depend on. Nothing in the general toolkit reads this module.
"""
from __future__ import annotations

from pathlib import Path

#: the shipped codebook and sample study, relative to a qualcode checkout
CODEBOOK = "codebooks/b2b_influencer_marketing.yaml"
SAMPLE = "transcripts_sample"
TITLE = "qualcode demo: B2B influencer marketing (sample study)"

#: the categories the papers' authors coded at; the codebook declares them (``categories:``)
CATEGORIES = (
    "process.planning", "process.selection", "process.preparation", "process.content_delivery",
    "process.evaluation", "challenge",
    "strategy.reference_based", "strategy.content_based", "strategy.interaction_based",
    "strategy.purpose_based",
    "dimension.attributes", "dimension.reach", "dimension.content_types",
    "dimension.communication_focus", "dimension.existing_relationships",
    "dimension.collaborative_relationships",
)

#: how the sample study is run: coder C1 is the reference the machine is evaluated against and
#: the matrices are built from; Table 4 lists firms, not agencies; paper 2's Table 2 (dimensions,
#: themes, quotes) is rebuilt from the children of ``dimension``
STUDY = {
    "reference": "C1", "where": {"group": "B2B firm"}, "themes": "dimension",
    "report_labels": {"themes_title": "Dimensions and themes (Table 2 of the UK study, rebuilt "
                                      "from the data)",
                      "themes_nav": "Dimensions & themes", "themes_group": "dimension"},
}


def default_seeds_dir() -> Path:
    """``../shared/seeds`` beside the repository: the two papers as text."""
    return Path(__file__).resolve().parents[3] / "shared" / "seeds"
