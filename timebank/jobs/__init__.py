"""Background jobs (DESIGN.md §9): mail, digests, reminders, expiry and the metrics
refresh, run by an RQ worker on Redis when ``JOBS_REDIS_URL`` is set, or in this process
after the commit when it is not (the embedded default); timed work is scheduled in code
(``schedule.py``), run by ``timebank jobs scheduler``."""
