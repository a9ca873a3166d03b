"""The names tokens carry: kinds of subject, roles, scopes."""

from __future__ import annotations

USER = "user"
CLIENT = "client"

# Role names carried in a user's ``roles`` claim (docs/auth.md has the table of what each
# allows where).
ROLES = {
    "admin": "Manages accounts, roles, machine clients and signing keys in auth, and sees "
    "and changes everything in every service.",
    "staff": "Facility staff: sees and changes everything in core, ssx and em, or only what "
    "belongs to sessions on the beamlines of the token's `beamlines` claim when it is "
    "not empty.",
}

# Scopes a machine client may be given (``<service>:<resource-or-action>:<read|write>``).
# The auth service refuses any other scope unless its config lists it in `extra_scopes`.
SCOPES = {
    "core:read": "Read proposals, sessions, people, laboratories and lab contacts.",
    "core:sync:write": "User-office synchronisation: create and update proposals, sessions, "
    "people, laboratories and lab contacts.",
    "core:acquisition:write": "Register data collection groups and data collections "
    "(beamline control; the SSX and EM services on behalf of their callers).",
    "core:processing:read": "Read processing results.",
    "core:processing:write": "Write processing results (auto-processing pipelines).",
    "ssx:read": "Read serial crystallography data.",
    "ssx:write": "Write serial crystallography data (beamline control, pipelines).",
    "em:read": "Read cryo-EM data.",
    "em:write": "Write cryo-EM data (microscope control, pipelines).",
}

# Purposes a token may be minted for (its ``purpose`` claim). A token with a purpose is
# read-only everywhere: every service refuses a write made with it (auth.wiring).
COMPAT_JAVA = "compat-java"
PURPOSES = {
    COMPAT_JAVA: "The Java server's REST dialect (EXI): the token sits in the URL path "
    "(/compat/java/{token}/...), so it is short-lived, read-only and redacted from logs.",
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
