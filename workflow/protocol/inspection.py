"""Reading any ACTES file we are handed (an archive or one message) into a description.

Used by ``actes inspect`` and by people checking what a platform or a préfecture sent: the
archive is read with the safe reader, every XML member is parsed with the hardened parser.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from workflow.errors import InvalidMessage
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.messages import Acte, Message
from workflow.protocol.xmlsafe import MAX_XML_BYTES, local_name, parse_xml

_ENVELOPE_CODES = frozenset({"enveloppe-cl", "enveloppe-mi", "anomalie-enveloppe"})


def describe_message(data: bytes, *, source: str) -> dict[str, Any]:
    """``{"code", "root", "fields"}`` for one XML message."""
    root = parse_xml(data, source=source)
    message: Message = xml_in.parse_message(data, source=source)
    fields: object = message.data if isinstance(message, Acte) else message
    return {"code": message.code.value, "root": local_name(root.tag), "fields": fields}


def inspect_file(path: Path) -> dict[str, Any]:
    """Describe an archive (``.tar.gz``) or a single XML message file."""
    with path.open("rb") as stream:
        head = stream.read(2)
    if head == b"\x1f\x8b":
        return _inspect_archive(path)
    size = path.stat().st_size
    if size > MAX_XML_BYTES:  # refused from its size, before a byte of it is read
        raise InvalidMessage(
            f"{path.name} is {size} bytes; an ACTES message is at most {MAX_XML_BYTES}",
            field="message",
            rule=f"at most {MAX_XML_BYTES} bytes",
            value=path.name,
        )
    data = path.read_bytes()
    description = describe_message(data, source=path.name)
    return {"file": str(path), "kind": "message", **description}


def _inspect_archive(path: Path) -> dict[str, Any]:
    members: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    envelope: dict[str, Any] | None = None
    with ReceivedArchive.open(path) as archive:
        for info in archive.members:
            digest = hashlib.sha256()
            _Sink(digest).consume(archive, info.name)
            members.append({"name": info.name, "size": info.size, "sha256": digest.hexdigest()})
            if not info.name.lower().endswith(".xml"):
                continue
            try:
                description = describe_message(archive.read(info.name), source=info.name)
            except InvalidMessage as exc:
                if "DOCTYPE" in exc.message:
                    raise
                # an XML annex (a budget, a plan) is a document, not a protocol message
                members[-1]["xml"] = "not an ACTES message"
                continue
            entry = {"file": info.name, **description}
            if description["code"] in _ENVELOPE_CODES and envelope is None:
                envelope = entry
            else:
                messages.append(entry)
    main = messages[0] if messages else envelope
    if main is None:
        raise InvalidMessage(
            f"{path.name} holds no ACTES message", field="archive", rule="an ACTES message inside"
        )
    return {
        "file": str(path),
        "kind": "archive",
        "code": main["code"],
        "root": main["root"],
        "fields": main["fields"],
        "envelope": envelope,
        "messages": messages,
        "members": members,
    }


class _Sink:
    """A write-only target that only hashes (to hash a member without keeping it)."""

    def __init__(self, digest: Any) -> None:
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return len(data)

    def consume(self, archive: ReceivedArchive, name: str) -> None:
        archive.copy_to(name, self)  # type: ignore[arg-type]
