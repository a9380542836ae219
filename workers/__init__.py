"""Celery glue: the app, thin idempotent tasks that take ids, and the beat sweeps."""
