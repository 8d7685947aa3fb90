"""Tiaoli: exact, cited, bilingual answers about Chinese regulations."""

__version__ = "0.1.0"
