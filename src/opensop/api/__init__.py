"""OpenSOP api."""
