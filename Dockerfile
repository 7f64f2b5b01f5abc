# syntax=docker/dockerfile:1
# Build stage: make wheels for Brewbot and its dependencies.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY prompts ./prompts
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run stage: only the installed wheels, as a non-root user, with data on a volume.
FROM python:3.12-slim
RUN useradd --create-home --uid 10001 brewbot \
    && mkdir -p /data && chown brewbot:brewbot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER brewbot
WORKDIR /home/brewbot
ENV BREWBOT_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
CMD ["brewbot", "run"]
