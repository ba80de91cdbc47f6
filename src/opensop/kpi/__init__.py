"""OpenSOP kpi."""
