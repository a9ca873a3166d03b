"""ISPyB em service (cryo-EM). Its resources arrive with their own issue."""
