"""py-ispyb's robot, XRF and energy-scan events, its beamline-group sessions and its
statistics by beamline, proposal or run (docs/compat.md)."""
