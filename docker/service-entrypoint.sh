#!/bin/bash
# Start one ISPyB service in its container: bring its schema up to date, then serve.
# With arguments, run them instead, with the same configuration: for one-off commands,
# e.g. `docker-compose run --rm core ispyb-core migrate`.
#
# Environment (set by docker/service.Dockerfile; the others are optional):
#   ISPYB_SERVICE   core, ssx, em, auth or compat
#   ISPYB_PORT      port to listen on
#   ISPYB_WORKERS   gunicorn worker processes (default 2)
#   ISPYB_<SERVICE>_CONFIG   config file (default /etc/ispyb/<service>.yaml)
#   ISPYB_MIGRATE   "false" to skip the migration (when a deployment runs it separately)
#   PROMETHEUS_MULTIPROC_DIR  where the workers write their metrics (default
#                   /tmp/ispyb-metrics), emptied here: /metrics sums every worker's files
set -euo pipefail

: "${ISPYB_SERVICE:?ISPYB_SERVICE is not set}"
: "${ISPYB_PORT:?ISPYB_PORT is not set}"
config_variable="ISPYB_${ISPYB_SERVICE^^}_CONFIG"
export "${config_variable}=${!config_variable:-/etc/ispyb/${ISPYB_SERVICE}.yaml}"
if [[ $# -gt 0 ]]; then
    exec "$@"
fi

# A wrong key or value stops here, with a message naming it, before anything is served.
"ispyb-${ISPYB_SERVICE}" check-config >/dev/null
if [[ "${ISPYB_MIGRATE:-true}" != "false" ]]; then
    "ispyb-${ISPYB_SERVICE}" migrate
fi

# Each gunicorn worker writes its metrics there; files of a previous run would be added to
# this one's (docs/operations.md).
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/ispyb-metrics}"
mkdir -p "${PROMETHEUS_MULTIPROC_DIR}"
find "${PROMETHEUS_MULTIPROC_DIR}" -mindepth 1 -maxdepth 1 -name '*.db' -delete

# Requests come through the gateway, on a network that only it and the services share:
# its X-Forwarded-* headers (client address, https) are trusted.
exec gunicorn \
    --config python:ispyb_shared.gunicorn_hooks \
    --bind "0.0.0.0:${ISPYB_PORT}" \
    --workers "${ISPYB_WORKERS:-2}" \
    --timeout 60 \
    --graceful-timeout 10 \
    --forwarded-allow-ips "${ISPYB_FORWARDED_ALLOW_IPS:-*}" \
    --name "ispyb-${ISPYB_SERVICE}" \
    "ispyb_${ISPYB_SERVICE}.app:create_app()"
