# Renders the site's kong.yml for Kong, from gateway/kong.yml and the site's settings
# (ISPYB_SERVICES, ISPYB_GATEWAY_CORS_ORIGINS), into the volume Kong reads. It runs once
# before Kong starts (docker-compose.yml) and stops; a kong.yml that fails the project's
# checks stops it with the problems listed, and Kong does not start.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "pyyaml>=6" \
    && useradd --system --uid 10001 --no-create-home ispyb \
    && install -d -o ispyb /gateway
WORKDIR /app
COPY tools/gateway.py /app/tools/gateway.py
COPY gateway/ /app/gateway/

# A new named volume mounted on /gateway starts with this directory's owner: ispyb.
USER ispyb
ENTRYPOINT ["python", "tools/gateway.py", "render", "--kong-only", "--out", "/gateway"]
