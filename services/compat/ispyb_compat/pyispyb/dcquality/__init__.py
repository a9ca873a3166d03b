"""py-ispyb's data-collection card: per-image analysis, files attached to a data
collection and the analysis plot (docs/compat.md)."""
