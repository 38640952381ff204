# Xunhuan marketplace: gunicorn serving market:create_app() on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XUNHUAN_ENV=production \
    XUNHUAN_DATA_DIR=/data

RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app --shell /usr/sbin/nologin xunhuan

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && pybabel compile -d translations \
    && mkdir -p /data && chown xunhuan /data

USER xunhuan
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "xunhuan init-db && exec gunicorn --workers 2 --bind 0.0.0.0:8000 'market:create_app()'"]
