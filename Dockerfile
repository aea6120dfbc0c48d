# syntax=docker/dockerfile:1
# One image for all five services; the command picks one: `docker run IMAGE run validator`.
#   docker build -t pushnode:dev .
# The venv is built from uv.lock (no dev tools) and copied into a slim runtime that runs as
# uid 10001. Nothing secret goes in: DATABASE_URL and provider credentials arrive at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# Keep in step with the uv that writes uv.lock.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/pushnode
WORKDIR /src

# Third-party dependencies first: this layer is reused until uv.lock or a pyproject.toml changes.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/listener/pyproject.toml services/listener/
COPY services/validator/pyproject.toml services/validator/
COPY services/storage/pyproject.toml services/storage/
COPY services/dispatcher/pyproject.toml services/dispatcher/
COPY services/gateway/pyproject.toml services/gateway/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace packages, installed as wheels (not editable) so /src is not needed later.
COPY shared/ shared/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
    && /opt/pushnode/bin/pushnode services

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 pushnode \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/pushnode \
       --shell /usr/sbin/nologin pushnode \
    && mkdir -p /var/lib/pushnode/data \
    && chown -R 10001:10001 /var/lib/pushnode
# Same base image as the build stage, so the venv's interpreter link stays valid.
COPY --from=build /opt/pushnode /opt/pushnode
ENV PATH=/opt/pushnode/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PUSHNODE_DATA_DIR=/var/lib/pushnode/data
WORKDIR /var/lib/pushnode
USER 10001:10001
# gateway, listener, validator, storage, dispatcher (each service's default HTTP port).
EXPOSE 4000 4011 4012 4013 4014
# No HEALTHCHECK here: the port depends on the service this container runs, so compose and
# Kubernetes probe /healthz and /readyz per service instead.
ENTRYPOINT ["pushnode"]
CMD ["run", "gateway"]
