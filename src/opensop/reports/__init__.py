"""OpenSOP reports."""
