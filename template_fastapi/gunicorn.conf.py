"""Gunicorn settings for the Procfile's `web` process (uvicorn workers serve ASGI)."""

import multiprocessing
import os

# One worker per CPU by default (each handles many concurrent requests); WEB_CONCURRENCY wins.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "uvicorn_worker.UvicornWorker"
graceful_timeout = 30
timeout = 60
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
