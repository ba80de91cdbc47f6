"""OpenSOP cli."""
