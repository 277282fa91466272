"""Private acceleration of rule matching (used only through analysis.labels.match)."""
