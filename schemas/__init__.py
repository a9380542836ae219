"""The project's own ACTES XSDs, installed as ``workflow.schemas`` (see pyproject.toml)."""
