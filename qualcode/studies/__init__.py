"""Replications of particular studies, kept out of the general toolkit.

Everything here is specific to one study's papers, data or codebook; the rest of qualcode works on
any codebook and any transcripts. :mod:`.b2b_influencer_marketing` holds the settings of the
bundled replication (Mero, Vanninen & Keränen 2023 and the UK influential-marketing study) that
``qualcode demo`` runs, and :mod:`.quotes` turns the papers' visible quotes into a test set.
"""
