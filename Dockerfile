# syntax=docker/dockerfile:1
#
# One image recipe for every part of Stitch (DESIGN §1, §5):
#
#   docker build --build-arg SERVICE=accounts -t stitch-accounts .
#
# SERVICE is gateway, templates, accounts, workflows, portal or connectors. The default command
# serves the part's HTTP API under gunicorn; the other processes are the same image with another
# command: `stitch-<part> migrate|declare|relay|consumer|worker|beat` (see docker-compose.yml).
#
# Why the source stays in the image and the part is installed editable (not as a wheel):
# each part finds its Alembic history at Path(config.__file__).parents[3], the package directory
# that holds alembic.ini and migrations/ next to src/. A wheel in site-packages would leave those
# behind and `migrate` would fail. uv installs workspace members editable by default: the venv
# points at /app/<package dir>/src, and alembic.ini and migrations/ sit beside it exactly as in
# the repository. The builder then deletes every other part, so an image holds stitch-common and
# its own part only.

ARG PYTHON_IMAGE=python:3.11.15-slim-bookworm

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
ARG UV_VERSION=0.13.9

RUN case "${SERVICE}" in \
      gateway|templates|accounts|workflows|portal|connectors) ;; \
      *) echo "build with --build-arg SERVICE=gateway|templates|accounts|workflows|portal|connectors (got '${SERVICE}')" >&2; exit 1 ;; \
    esac
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

# The image's Python only (never a downloaded one); a venv that the runtime stage copies as is.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /app

# 1. Third-party dependencies from the lock file alone, so code changes reuse this layer. uv needs
#    every workspace member's pyproject.toml to read the workspace.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY gateway/pyproject.toml gateway/
COPY services/templates/pyproject.toml services/templates/
COPY services/accounts/pyproject.toml services/accounts/
COPY services/workflows/pyproject.toml services/workflows/
COPY services/portal/pyproject.toml services/portal/
COPY services/connectors/pyproject.toml services/connectors/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "stitch-${SERVICE}"

# 2. stitch-common and the part, editable (see the top of this file), then drop the other parts.
COPY libs/common libs/common
COPY gateway gateway
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "stitch-${SERVICE}" \
 && part="services/${SERVICE}" && if [ "${SERVICE}" = gateway ]; then part=gateway; fi \
 && for dir in gateway services/*; do if [ "${dir}" != "${part}" ]; then rm -rf "${dir}"; fi; done \
 && test -f "${part}/alembic.ini" && test -d "${part}/migrations" \
 && /app/.venv/bin/python -c "import stitch.common, stitch.${SERVICE}.entrypoints.cli"

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE

# PROMETHEUS_MULTIPROC_DIR must be in the environment before prometheus_client is imported
# (reference/tooling.md §5); gunicorn's on_starting empties it (deploy/gunicorn.conf.py).
# STITCH_VAR_DIR holds what a part writes locally (the gateway's default key file, Celery beat's
# schedule); /keys is where compose mounts the gateway's signing-key volume (a Secret in k8s).
ENV SERVICE=${SERVICE} \
    PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    STITCH_HTTP_HOST=0.0.0.0 \
    STITCH_VAR_DIR=/var/lib/stitch

# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 stitch \
 && useradd --system --uid 10001 --gid stitch --create-home --home-dir /home/stitch \
      --shell /usr/sbin/nologin stitch \
 && install -d -o stitch -g stitch -m 0750 /var/lib/stitch /var/lib/stitch/keys /keys \
 && install -d -o stitch -g stitch -m 0700 /tmp/prometheus

WORKDIR /app
# Code and venv stay owned by root: the service user can read them, not change them.
COPY --from=builder /app /app
COPY deploy/gunicorn.conf.py deploy/gunicorn.conf.py

USER 10001:10001

# The API listens on its part's port (gateway 8080, templates 8101 … connectors 8105; DESIGN §5,
# STITCH_HTTP_PORT overrides). EXPOSE cannot be derived from SERVICE, so it lists the range.
EXPOSE 8080 8101-8105

# No HEALTHCHECK here: the same image runs relays, consumers and workers, which serve no HTTP.
# Compose and Kubernetes probe /healthz and /readyz of the API processes themselves.
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec gunicorn --config deploy/gunicorn.conf.py \"stitch.${SERVICE}.entrypoints.http:create_app()\""]
