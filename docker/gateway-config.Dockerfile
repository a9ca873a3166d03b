# Renders the site's kong.yml for Kong, from gateway/kong.yml and the site's settings
# (ISPYB_SERVICES, ISPYB_GATEWAY_CORS_ORIGINS), into the volume Kong reads. It runs once
# before Kong starts (docker-compose.yml) and stops; a kong.yml that fails the project's
# checks stops it with the problems listed, and Kong does not start.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ISPYB_GATEWAY_SOURCE=/app/gateway/kong.yml
WORKDIR /app
# The gateway package (gateway/ispyb_gateway, the ispyb-gateway command) and kong.yml.
COPY gateway/ /app/gateway/
# The versions `make test` tested (tools/lock.py).
COPY docker/constraints.txt /app/constraints.txt
RUN pip install -c /app/constraints.txt /app/gateway \
    && useradd --system --uid 10001 --no-create-home ispyb \
    && install -d -o ispyb /gateway

# A new named volume mounted on /gateway starts with this directory's owner: ispyb.
USER ispyb
ENTRYPOINT ["ispyb-gateway", "render", "--kong-only", "--out", "/gateway"]
