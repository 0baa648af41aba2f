"""Async client for the SeaTable REST API."""

from ._version import __version__

__all__ = ["__version__"]
