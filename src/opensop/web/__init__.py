"""OpenSOP web."""
