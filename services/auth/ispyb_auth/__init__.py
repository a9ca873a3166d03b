"""ISPyB auth service (authentication and authorisation); filled by its own issue."""
