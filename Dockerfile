# catalint container: the GitHub Action (runs.image), the Bitbucket Pipe and the plain Docker image.
# Runs as root on purpose (GitHub mounts the workspace owned by the runner's uid); no WORKDIR, because
# GitHub and Bitbucket mount the checkout and choose the working directory themselves.
#
# The base is pinned by the digest of its multi-architecture index (amd64 and arm64 both resolve from it), so a
# rebuild gets the same bytes. To move to a newer base: read the index digest of the new tag with
#   docker buildx imagetools inspect python:3.11.X-slim-bookworm   (the "Digest:" line)
# replace tag and digest below, and let the release workflow build both platforms.
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

LABEL org.opencontainers.image.title="catalint" \
      org.opencontainers.image.description="Lint, resolve and sync Backstage catalog descriptors" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/catalint/catalint"

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

# Exact runtime pins with their hashes first (cached layer), then catalint itself with no dependency
# resolution; its build backend is pinned exactly in pyproject.toml's [build-system].
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

COPY pyproject.toml README.md LICENSE /tmp/catalint/
COPY src/ /tmp/catalint/src/
RUN pip install --no-cache-dir --no-deps /tmp/catalint \
    && rm -rf /tmp/catalint \
    && catalint --version

COPY entrypoint.py /app/entrypoint.py

ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]
