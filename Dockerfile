# Production image: gunicorn serves the portal, the same image runs the task worker and migrations.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MELDEPORTAL_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/var/lib/meldeportal

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin meldeportal \
    && mkdir -p /var/lib/meldeportal && chown meldeportal /var/lib/meldeportal
WORKDIR /app

COPY pyproject.toml setup.py manage.py ./
COPY meldeportal ./meldeportal
COPY apps ./apps
COPY templates ./templates
COPY static ./static
COPY schemas ./schemas
# A C compiler only while installing: it builds apps/obds/compiled_reader.pyx (uploads read faster with it).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir -e . \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

# Static files are collected at build time with throw-away keys; the running container gets real ones.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    FIELD_ENCRYPTION_KEYS="$(python -m apps.core.keyring build)" \
    BLIND_INDEX_KEYS="$(python -m apps.core.keyring build)" \
    FILE_ENCRYPTION_KEYS="$(python -m apps.core.keyring build)" \
    OTP_ENCRYPTION_KEYS="$(python -m apps.core.keyring build)" \
    DATABASE_URL="postgres://build@localhost/build" ALLOWED_HOSTS=build VAR_DIR=/tmp/build \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build

USER meldeportal
EXPOSE 8000
CMD ["gunicorn", "meldeportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--forwarded-allow-ips", "*", "--access-logfile", "-"]
