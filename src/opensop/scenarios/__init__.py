"""OpenSOP scenarios."""
