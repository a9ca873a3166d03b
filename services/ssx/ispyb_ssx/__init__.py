"""ISPyB ssx service (serial crystallography). Its resources arrive with their own issue."""
