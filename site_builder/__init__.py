"""site_builder: a bilingual (Chinese/English) static site generator for newspaper explainers."""

__version__ = "0.1.0"
