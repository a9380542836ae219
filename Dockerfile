# Image for the scaled-out topology of docker-compose.yml (not needed for `make demo`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY workflow ./workflow
COPY workers ./workers
COPY schemas ./schemas
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT []
