"""OpenSOP reconcile."""
