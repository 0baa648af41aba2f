__version__ = "0.1.0"
"""This release's version number."""
