# Ramtid as one image for every process: the backend (`ramtid serve`, the default), the bot
# workers (`ramtid bot`), the notifier (`ramtid notifier`), migrations (`ramtid migrate`); a
# speech service is `ramtid serve` with RAMTID_SPEECH_MODELS. See deploy/compose.yaml.
#
#   docker build -t ramtid .
#   docker run --rm -p 8000:8000 -v ramtid-data:/data ramtid
#   docker run --rm -v ramtid-data:/data ramtid ramtid migrate
#
# Configuration is by RAMTID_* environment variables (backend/config.py). The default
# database is SQLite in /data, the only directory the runtime user may write to.
#
# BASE and BUILDER_BASE are any Debian bookworm with python3.11 and its venv module: the
# official Python images by default; CI builds on one made from Debian's packages (.ci/image.sh)
# and both stages must then be that one (the venv refers to the interpreter by its path).
# PIP_CERT names a CA bundle for pip when the network needs one (mounted at build time).

ARG BASE=python:3.11-slim-bookworm
ARG BUILDER_BASE=python:3.11-bookworm

# ---------------------------------------------------------------------------------------------
# Builder: the full Debian image has compilers and headers, in case a dependency has no wheel
# for the target platform; none of it reaches the runtime image.
FROM ${BUILDER_BASE} AS builder

ARG PIP_CERT=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

SHELL ["/bin/sh", "-eu", "-c"]

# The venv that ships, and one for uv that does not.
RUN python3.11 -m venv /opt/venv \
    && python3.11 -m venv /opt/uv

WORKDIR /src

# Dependencies first, in their own layer, so changing the code does not reinstall them. The
# exact versions and hashes come from the committed lock file (uv.lock), as on every machine.
COPY pyproject.toml uv.lock README.md ./
RUN [ -n "$PIP_CERT" ] || unset PIP_CERT; \
    /opt/uv/bin/pip install --no-cache-dir uv==0.13.9 \
    && /opt/uv/bin/uv export --locked --no-dev --no-emit-project --format requirements-txt \
        --output-file /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt

# The project itself, as a wheel (the migrations are package data inside it), and the
# gettext catalogs. The build context is an allowlist: see .dockerignore. The wheel is built
# in an isolated environment, so the venv's own setuptools (from ensurepip) is not needed at
# runtime and goes.
COPY . .
RUN [ -n "$PIP_CERT" ] || unset PIP_CERT; \
    pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/dist . \
    && pip install --no-cache-dir /tmp/dist/ramtid-*.whl \
    && mkdir -p locales \
    && if [ -n "$(find locales -path '*/LC_MESSAGES/messages.po' -print -quit)" ]; then \
           pybabel compile --directory locales --domain messages --statistics; \
       else \
           echo "No locales/*/LC_MESSAGES/messages.po yet; nothing to compile."; \
       fi \
    && (pip uninstall --yes setuptools 2>/dev/null || true) \
    && ramtid --help > /dev/null

# ---------------------------------------------------------------------------------------------
# Runtime: slim image, the venv, the compiled catalogs, a non-root user, /data for SQLite.
FROM ${BASE} AS runtime

LABEL org.opencontainers.image.title="ramtid" \
      org.opencontainers.image.description="Chat and voice assistant for Swedish home care under framework orders (ramtid)"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    RAMTID_DATABASE_URL=sqlite+aiosqlite:////data/ramtid.db \
    RAMTID_LOCALES_DIR=/app/locales

RUN groupadd --system --gid 10001 ramtid \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin ramtid \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 0750 /data

# Code and catalogs stay owned by root: the service can read them, not change them.
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --from=builder /src/locales /app/locales

USER 10001:10001

EXPOSE 8000

# The API answers GET /health once migrations have run and uvicorn is up. Containers that run
# something else from this image (e.g. `ramtid bot`) should override or disable this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]

# Give it RAMTID_SERVICE_TOKEN (32+ random characters): without one it refuses to start.
CMD ["ramtid", "serve", "--host", "0.0.0.0", "--port", "8000"]

# ---------------------------------------------------------------------------------------------
# The image itself, proven to start (deploy/probe.py, mounted for this step only): as the
# runtime user a scratch database is migrated and served, /health answers, the catalogs load.
FROM runtime AS image

RUN --mount=type=bind,source=deploy/probe.py,target=/tmp/probe.py python /tmp/probe.py
