"""The project's own XSDs (``schemas/``, shipped as ``workflow.schemas``), loaded once per
thread.

The schema files import each other by relative path; the parser used to load them resolves
no network location, so validation never leaves the machine. An lxml ``XMLSchema`` keeps its
error log on the object, so one is never shared between threads (the workers run packaging
in a thread pool: a shared schema crashed a worker with a double free). Compiling one is
not thread-safe either: libxml2 sets up its built-in schema types on the first compilation
of the process, and two threads compiling at once failed with "Document is not valid XML
Schema" (the demo's three acts failed to package) — so compilations take turns.
"""

from __future__ import annotations

import threading
from importlib import resources

from lxml import etree

from workflow.errors import SchemaViolation
from workflow.protocol.xmlsafe import parse_xml

_PER_THREAD = threading.local()
_COMPILING = threading.Lock()  # one compilation at a time in the process (libxml2)


def _schema() -> etree.XMLSchema:
    schema: etree.XMLSchema | None = getattr(_PER_THREAD, "schema", None)
    if schema is None:
        with (
            _COMPILING,
            resources.as_file(resources.files("workflow.schemas") / "actes.xsd") as path,
        ):
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            schema = etree.XMLSchema(etree.parse(str(path), parser=parser))
        _PER_THREAD.schema = schema
    return schema


def validate(data: bytes, *, source: str = "message") -> None:
    """Validate one message against our schema; :class:`SchemaViolation` lists each error."""
    validate_tree(parse_xml(data, source=source), source=source)


def validate_tree(root: etree._Element, *, source: str = "message") -> None:
    """Validate a message's element tree, as :func:`validate` does its bytes: for the messages
    we build (:func:`workflow.protocol.xml_out.build`), without parsing our own output."""
    schema = _schema()
    if schema.validate(root):
        return
    # a tree built in memory has no line numbers: its errors name the element's path
    errors = [
        f"line {e.line}: {e.message}" if e.line else f"{e.path}: {e.message}"
        for e in schema.error_log  # type: ignore[attr-defined]
    ]
    raise SchemaViolation(
        f"{source} does not validate against the ACTES schema: {errors[0]}",
        field=source,
        rule="schemas/actes.xsd",
        errors=errors,
    )
