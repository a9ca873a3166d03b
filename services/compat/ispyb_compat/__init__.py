"""ISPyB compat service: the REST dialects of clients sites already run (py-ispyb-ui,
EXI, mxcubecore), translated onto core, auth, em and ssx over HTTP with the caller's own
token. It owns no table and no database (docs/compat.md)."""
