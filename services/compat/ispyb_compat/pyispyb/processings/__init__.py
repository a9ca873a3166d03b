"""py-ispyb's ``/processings/*`` routes py-ispyb-ui's data-collection card calls
(docs/compat.md): processing runs, auto-integrations, attachments, message statuses."""
