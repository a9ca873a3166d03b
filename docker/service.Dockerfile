# One image per ISPyB service, all built from this file (docker-compose.yml does):
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=core --build-arg PORT=8001 \
#       -t ispyb-core .
# The container brings its database schema up to date, then serves with gunicorn.
# Configuration: the service's config.yaml is /etc/ispyb/<service>.yaml (mount a site's own
# file there), and every key can be overridden with ISPYB_<SERVICE>__<SECTION>__<KEY>.
FROM python:3.11-slim

ARG SERVICE
ARG PORT
# The service's extras: core's hdf5 (the detector-file routes), from docker-compose.yml.
ARG EXTRAS=""
RUN test -n "$SERVICE" && test -n "$PORT" || { echo "build with --build-arg SERVICE=... --build-arg PORT=..." >&2; exit 1; }

ENV ISPYB_SERVICE=${SERVICE} \
    ISPYB_PORT=${PORT} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the service needs: the shared library and the service itself.
COPY shared/ /app/shared/
COPY services/${SERVICE}/ /app/services/${SERVICE}/
# The versions `make test` tested, not the newest on the day of the build (tools/lock.py).
COPY docker/constraints.txt /app/constraints.txt
RUN pip install -c /app/constraints.txt /app/shared "/app/services/${SERVICE}${EXTRAS}" \
    && install -d /etc/ispyb \
    && cp "/app/services/${SERVICE}/config.yaml" "/etc/ispyb/${SERVICE}.yaml" \
    && useradd --system --uid 10001 --no-create-home ispyb
COPY docker/service-entrypoint.sh /usr/local/bin/ispyb-entrypoint

USER ispyb
EXPOSE ${PORT}
# The orchestrator's health check: the service answers and its database too.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", \
    "import os, urllib.request as r; e = os.environ; r.urlopen('http://127.0.0.1:%s/ispyb/api/v1/%s/ready' % (e['ISPYB_PORT'], e['ISPYB_SERVICE']), timeout=4)"]
ENTRYPOINT ["ispyb-entrypoint"]
