"""Machine translation zh→en: segmentation, protection of names/figures/markup,
translation memory, the engine behind a Protocol, QA, and the block-preserving
English file writer.

Only :mod:`site_builder.translate.argos` imports argostranslate (lazily), so the
core build never loads torch.
"""
