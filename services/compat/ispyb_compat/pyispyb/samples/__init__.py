"""py-ispyb's sample routes: the list, the sample editor's writes, its vocabularies."""
