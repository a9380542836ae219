"""Fuzz targets: every parser of outside input, fed bytes (issue 14, "make it a habit").

Each target takes arbitrary bytes and calls one parser the way the service does. The only
exceptions allowed out are the project's own (:class:`workflow.errors.ActesError`): anything
else is a finding. The Hypothesis tests (``test_fuzz_parsers.py``, in the normal suite) and the
atheris harness (``atheris_harness.py``, by hand, for hours) share these targets and seeds.
"""

from __future__ import annotations

import contextlib
import functools
import io
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from workflow.errors import ActesError
from workflow.identifiers import (
    ActNature,
    Arrondissement,
    Classification,
    CollectiviteNature,
    Departement,
    IDActe,
    Siren,
    TypologyCode,
)
from workflow.intake.dates import find_dates
from workflow.intake.extract import extract
from workflow.intake.metadata import parse_metadata
from workflow.intake.text import TextDocument, read_document_text
from workflow.numbering import NumberProfile, NumeroInterne
from workflow.protocol import messages as m
from workflow.protocol import xml_in, xml_out
from workflow.protocol.archive import ArchiveLimits, ReceivedArchive
from workflow.protocol.documents import examine
from workflow.protocol.naming import parse_envelope_name, parse_file_name
from workflow.protocol.nomenclature import national_classification
from workflow.protocol.pdfcheck import pdf_fault

Target = Callable[[bytes], None]
_SMALL = ArchiveLimits(max_members=20, max_member_bytes=1 << 20, max_total_bytes=2 << 20)


def _text(data: bytes) -> str:
    """As the service decodes a body, lone surrogates kept (they reach it through JSON)."""
    try:
        return data.decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def inbound_message(data: bytes) -> None:
    """An ACTES message from the préfecture or the platform (1-2, 1-3, 2-1 … 7-2)."""
    message = xml_in.parse_message(data, source="fuzz")
    if isinstance(message, m.RetourClassification):
        message.flatten()


def archive(data: bytes) -> None:
    """A préfecture archive (.tar.gz) as the poll opens it, every member read."""
    with ReceivedArchive.open(data, limits=_SMALL, name="fuzz.tar.gz") as received:
        for name in received.names():
            raw = received.read(name, max_bytes=1 << 20)
            if name.endswith(".xml"):
                inbound_message(raw)


def identifiers(data: bytes) -> None:
    """Every identifier parser, on the same text."""
    text = _text(data)
    parsers: list[Callable[[str], object]] = [
        Siren.parse,
        Departement.parse,
        Arrondissement.parse,
        ActNature.parse,
        CollectiviteNature.parse,
        Classification.parse,
        IDActe.parse,
        TypologyCode.parse,
        lambda t: NumeroInterne.parse(t, NumberProfile.S2LOW),
        lambda t: NumeroInterne.parse(t, NumberProfile.MINISTRY),
        parse_envelope_name,
        parse_file_name,
    ]
    for parse in parsers:
        with contextlib.suppress(ActesError):
            parse(text)


def _as_file(data: bytes, suffix: str, read: Callable[[Path], object]) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as work:
        path = Path(work) / f"input{suffix}"
        path.write_bytes(data)
        read(path)


def pdf_intake(data: bytes) -> None:
    """A document posted to the intake: examined, read to its last page (a fault is a
    string, never an exception), then its text layer read."""

    def read(path: Path) -> None:
        with contextlib.suppress(ActesError):
            examine(path, field="document")
        fault = pdf_fault(path)
        assert fault is None or isinstance(fault, str)
        read_document_text(path)

    _as_file(data, ".pdf", read)


def text_intake(data: bytes) -> None:
    """A deliberation's text: dates found, metadata extracted."""
    text = _text(data)
    for line in text.splitlines()[:200]:
        find_dates(line)
    extract(TextDocument.from_text(text))


def api_metadata(data: bytes) -> None:
    """The ``metadata`` field of ``POST /api/acts`` and the body of ``PATCH /api/drafts``."""
    parse_metadata(_text(data))


TARGETS: dict[str, Target] = {
    "inbound_message": inbound_message,
    "archive": archive,
    "identifiers": identifiers,
    "pdf_intake": pdf_intake,
    "text_intake": text_intake,
    "api_metadata": api_metadata,
}


def run(target: Target, data: bytes) -> None:
    """Call ``target``; the project's own errors are expected, anything else propagates."""
    with contextlib.suppress(ActesError):
        target(data)


# --------------------------------------------------------------------------- seeds


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


DELIBERATION = """Ville de Dreux
CONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022
DÉLIBÉRATION N°DEL2022-148
Espace Numérique de Travail primOT (écoles)
Rapporteur : Lydie GUÉRIN
Nombre de membres en exercice 39 Nombre de présents 30 Votants 37
LE CONSEIL MUNICIPAL, APRÈS EN AVOIR DÉLIBÉRÉ, à l'unanimité
"""


@functools.cache
def seeds() -> dict[str, list[bytes]]:
    """Valid inputs of each target, for mutation."""
    from tests.strategies import every_message
    from workflow.adapters.textpdf import text_pdf

    messages = [xml_out.to_xml(message) for message in every_message()]
    messages.append(xml_out.to_xml(national_classification()))
    return {
        "inbound_message": messages,
        "archive": [_tar_gz({f"m{i}-2-1_0.xml": x}) for i, x in enumerate(messages[:4])],
        "identifiers": [
            b"028-212801344-20221018-DEL2022_148-DE",
            b"212801344",
            b"02A",
            b"8.1.2",
            b"SLO-EACT--212801344--20221018-1.tar.gz",
            b"99_DE-028-212801344-20221018-DEL2022_148-DE-1-1_1.pdf",
        ],
        "pdf_intake": [text_pdf(DELIBERATION)],
        "text_intake": [DELIBERATION.encode("utf-8")],
        "api_metadata": [
            b'{"siren": "212801344", "numero": "DEL2022-148", "date": "2022-10-13", '
            b'"nature": "DE", "classification": "8.1", "objet": "ENT", "present": 30, '
            b'"vote": {"unanimous": true}, "annexes": [{"typologie": "22_AG"}]}'
        ],
    }
