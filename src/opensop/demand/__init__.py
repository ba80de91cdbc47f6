"""OpenSOP demand."""
