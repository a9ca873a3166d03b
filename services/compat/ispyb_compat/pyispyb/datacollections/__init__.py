"""py-ispyb's data-collection card and viewer reads (crystal snapshots, diffraction
images) and the statistics page's errors and hourlies (docs/compat.md)."""
