# media77-simulator: the 77media vendor service, locally.
#   docker build -t media77-sim .
#   docker run -p 7777:7777 -v media77-data:/data -e MEDIA77_SIM_ADMIN_TOKEN=secret media77-sim
# Configure with MEDIA77_SIM_* variables (see `media77-sim serve --help`). Bound to 0.0.0.0,
# the control API (/_sim/) needs MEDIA77_SIM_ADMIN_TOKEN as a bearer token (without it,
# /_sim/ answers 403; /_sim/health stays open). `make docker-check` builds and runs it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app
COPY pyproject.toml README.md ./
COPY simulator ./simulator
COPY fixtures ./fixtures
COPY contract_tests ./contract_tests
RUN pip install . \
    && useradd --create-home --uid 10001 sim \
    && mkdir -p /data \
    && chown sim:sim /data

USER sim
EXPOSE 7777
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sim/health' % os.environ.get('MEDIA77_SIM_PORT', '7777'), timeout=2)"
CMD ["media77-sim", "serve", "--host", "0.0.0.0", "--db", "/data/media77-sim.db"]
