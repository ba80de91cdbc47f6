"""OpenSOP supply."""
