"""The clerks' pages, in French: server-rendered HTML (Jinja2) over the use cases and the store,
served by the same application as the REST API (pages under ``/``, the API under ``/api``)."""
