# Image for the scaled-out topology of docker-compose.yml (not needed for `make demo`).
# Python is pinned to a release with the tarfile fixes (CVE-2024-6232 in 3.11.10; the
# extraction-filter fixes of CVE-2025-4517 and its family in 3.11.13); the build stage makes wheels, the final stage installs them with no
# compiler, no pip, no build tools, and runs as an unprivileged user.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY workflow ./workflow
COPY workers ./workers
COPY schemas ./schemas
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ACTES_DATA_DIR=/var/lib/actes
COPY --from=build /wheels /wheels
# runtime tools only: Tesseract (French) and poppler-utils read scanned deliberations at intake
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-fra poppler-utils \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels \
    && pip uninstall -y pip setuptools wheel \
    && groupadd --system --gid 10001 actes \
    && useradd --system --uid 10001 --gid actes --home-dir /var/lib/actes --shell /usr/sbin/nologin actes \
    && mkdir -p /var/lib/actes \
    && chown actes:actes /var/lib/actes
USER 10001:10001
WORKDIR /var/lib/actes
ENTRYPOINT []
CMD ["actes", "--help"]
