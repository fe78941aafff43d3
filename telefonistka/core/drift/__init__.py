"""Drift between a source component and its targets, and the YAML summaries that explain it."""
