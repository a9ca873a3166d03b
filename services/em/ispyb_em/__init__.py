"""ISPyB em service (cryo-EM): movies and their per-micrograph results, particle picking and
classification, tomograms, grids; bulk ingestion and live monitoring (docs/em.md)."""
