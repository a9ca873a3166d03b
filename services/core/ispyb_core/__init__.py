"""ISPyB core service: the MX tables of the ISPyB schema behind a REST API."""
