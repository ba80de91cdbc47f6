"""OpenSOP."""
