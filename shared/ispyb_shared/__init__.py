"""Common library of the ISPyB services. Services depend on it and on nothing else of ours."""
