"""The ``actes`` command line: a thin adapter over the services (one module per command group)."""
