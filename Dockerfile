# syntax=docker/dockerfile:1
# One exact base image for both stages, so a rebuild gets the same Python and Debian.
ARG PYTHON_IMAGE=python:3.12.10-slim-bookworm

# Build stage: make wheels for Brewbot and its dependencies.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY prompts ./prompts
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run stage: only the installed wheels, as a non-root user, with data on a volume that only
# that user can read (Brewbot makes its files there readable by their owner only).
FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 brewbot \
    && mkdir -p /data && chown brewbot:brewbot /data && chmod 700 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER brewbot
WORKDIR /home/brewbot
# The database (SQLite, when DATABASE_URL is empty) and the log live in /data, the volume.
# The web pages listen on every address inside the container (publish the port to the host's
# 127.0.0.1 and put a reverse proxy in front: docs/web.md); BREWBOT_WEB_BASE_URL gives links.
ENV BREWBOT_DATA_DIR=/data PYTHONUNBUFFERED=1 BREWBOT_WEB_HOST=0.0.0.0
EXPOSE 8080
VOLUME ["/data"]
# Exit code 0 while the database answers; 1, with one line saying why, when it does not.
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 CMD ["brewbot", "health"]
CMD ["brewbot", "run"]
