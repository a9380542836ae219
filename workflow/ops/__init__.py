"""Running the service: what health, readiness, ``actes doctor`` and the metrics judge.

Pure functions over values (certificate facts, dates, clock readings) that turn them into
:class:`~workflow.ops.findings.Finding` values; the probes that gather the facts from the
world live in :mod:`workflow.adapters.health`.
"""
