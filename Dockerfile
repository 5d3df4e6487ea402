# Timebank's image: the locked runtime dependencies, the package (with its compiled
# catalogues), pg_dump/pg_restore 15 for `timebank backup`, and an unprivileged user.
# The same commands as the systemd units (deploy/systemd/): see compose.yaml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TIMEBANK_ENV=production \
    TIMEBANK_BIND=0.0.0.0:8000

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv/timebank --shell /usr/sbin/nologin timebank

WORKDIR /srv/timebank
COPY requirements.txt ./
RUN python -m venv venv && venv/bin/pip install --require-hashes -r requirements.txt

COPY pyproject.toml setup.py README.md LICENSE babel.cfg ./src/
COPY timebank ./src/timebank
RUN venv/bin/pip install --no-deps ./src && rm -rf ./src \
    && mkdir -p venv/var/timebank-instance && chown timebank:timebank venv/var/timebank-instance
COPY deploy/gunicorn.conf.py ./gunicorn.conf.py

ENV PATH=/srv/timebank/venv/bin:$PATH
USER timebank
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "-c", "/srv/timebank/gunicorn.conf.py", "timebank:create_app()"]
