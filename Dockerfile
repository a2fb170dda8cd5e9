# syntax=docker/dockerfile:1
# U-Roster image: the API on PostgreSQL.
#
#   docker build -t uroster .
#   docker run --rm -p 8000:8000 \
#     -e UROSTER_DATABASE_URL=postgresql+psycopg://uroster:secret@db.example.org:5432/uroster \
#     -e UROSTER_BOOTSTRAP_ADMIN_EMAIL=admin@example.org \
#     -e UROSTER_BOOTSTRAP_ADMIN_PASSWORD=change-me-now \
#     uroster
#
# Every start runs `uroster migrate` (Alembic upgrade head) and then `uroster serve`.

# ---- builder: a virtualenv with U-Roster and its dependencies ----------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# The venv lives at the same path in both stages: its scripts name it in their #! line.
RUN python -m venv /opt/uroster && /opt/uroster/bin/pip install --upgrade pip

WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
# (The empty packages let pip read the project's metadata without its sources.)
COPY pyproject.toml README.md ./
RUN mkdir app solver migrations \
 && touch app/__init__.py solver/__init__.py migrations/__init__.py \
 && /opt/uroster/bin/pip install . \
 && /opt/uroster/bin/pip uninstall -y uroster \
 && rm -rf app solver migrations build *.egg-info

# Then the project itself, as a wheel (app, solver, migrations with versions/).
COPY app ./app
COPY solver ./solver
COPY migrations ./migrations
RUN /opt/uroster/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
 && /opt/uroster/bin/pip install --no-deps /tmp/wheels/uroster-*.whl

# ---- runtime: python:3.11-slim with only the virtualenv ----------------------------
FROM python:3.11-slim

ENV PATH=/opt/uroster/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UROSTER_HOST=0.0.0.0 \
    UROSTER_PORT=8000

# A Chinese font, embedded in service certificate PDFs (found at Debian's path).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 uroster \
 && useradd --system --uid 10001 --gid uroster --home-dir /srv/uroster --create-home \
        --shell /usr/sbin/nologin uroster

COPY --from=builder /opt/uroster /opt/uroster

WORKDIR /srv/uroster
USER uroster:uroster
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('UROSTER_PORT', '8000'), timeout=4)"]

# Refuses to start without UROSTER_DATABASE_URL (otherwise it would quietly use a SQLite
# file inside the container, lost with it).
CMD ["sh", "-c", ": \"${UROSTER_DATABASE_URL:?set UROSTER_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/DB}\" && uroster migrate && exec uroster serve"]
