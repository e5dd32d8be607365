# First version: one process, SQLite under /data unless XUESHI_DATABASE_URL says otherwise.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    XUESHI_DATABASE_URL=sqlite:////data/xueshi.db XUESHI_CACHE_DIR=/data/cache \
    XUESHI_HOST=0.0.0.0 XUESHI_PORT=8080
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY faq ./faq
COPY scheduler ./scheduler
COPY attendance ./attendance
COPY config ./config
RUN pip install --no-cache-dir . && useradd --system --home /data xueshi && mkdir -p /data && chown xueshi /data
USER xueshi
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz').status == 200 else 1)"
CMD ["xueshi", "serve"]
