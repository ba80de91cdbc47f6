"""OpenSOP."""

from importlib.metadata import version

__version__ = version("opensop")
"""The installed version, read from the package metadata (pyproject.toml is the one place it is written)."""
