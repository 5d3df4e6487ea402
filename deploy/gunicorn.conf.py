"""gunicorn settings for production (`make serve`): gunicorn -c deploy/gunicorn.conf.py wsgi:app

Run with TIMEBANK_ENV=production, TIMEBANK_DATABASE_URL=postgresql+psycopg://…,
TIMEBANK_RATELIMIT_STORAGE_URL=redis://127.0.0.1:6379/0, a secret key and
TIMEBANK_PUBLIC_URL=https://<the site's address> (the only host answered, with
TIMEBANK_EXTRA_HOSTS: add the name a local health check uses, such as 127.0.0.1)."""

import multiprocessing
import os

bind = os.environ.get("TIMEBANK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TIMEBANK_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60
# On SIGTERM (systemctl stop, docker stop) a worker finishes the requests it holds for up to
# this many seconds before it is killed; the unit's TimeoutStopSec is a little longer.
graceful_timeout = int(os.environ.get("TIMEBANK_GRACEFUL_TIMEOUT", 30))
# With TIMEBANK_LOG_FORMAT=json the application logs each request as JSON: set
# TIMEBANK_ACCESS_LOG=0 so they are not logged twice.
accesslog = (
    None if os.environ.get("TIMEBANK_ACCESS_LOG", "1").lower() in ("0", "false", "no") else "-"
)
# No request URLs with personal data are logged: Timebank keeps personal data out of URLs.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("TIMEBANK_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, a worker that exits stops counting in the figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
