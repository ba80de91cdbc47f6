"""OpenSOP finance."""
