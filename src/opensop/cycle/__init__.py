"""OpenSOP cycle."""
