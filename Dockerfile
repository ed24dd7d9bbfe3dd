# catalint container: the GitHub Action (runs.image), the Bitbucket Pipe and the plain Docker image.
# Runs as root on purpose (GitHub mounts the workspace owned by the runner's uid); no WORKDIR, because
# GitHub and Bitbucket mount the checkout and choose the working directory themselves.
FROM python:3.11.14-slim-bookworm

LABEL org.opencontainers.image.title="catalint" \
      org.opencontainers.image.description="Lint, resolve and sync Backstage catalog descriptors" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: for --changed-since/--filter-mode diffs and GitPython. Debian's package is not pinned: bookworm
# replaces old security releases in its archive, so a pin would break rebuilds; the base tag pins the rest.
# The checkout is owned by another uid than root; trust every directory (a --global setting would be
# lost, since GitHub sets HOME=/github/home).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

# Exact runtime pins first (cached layer), then catalint itself with no dependency resolution.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

COPY pyproject.toml /tmp/catalint/pyproject.toml
COPY src/ /tmp/catalint/src/
RUN pip install --no-cache-dir --no-deps /tmp/catalint \
    && rm -rf /tmp/catalint \
    && catalint --version

COPY entrypoint.py /app/entrypoint.py

ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]
