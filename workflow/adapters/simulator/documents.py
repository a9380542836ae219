"""The simulated platform's documents: the files of a transaction, the act stamped with its
accusé de réception, and the bordereau d'acquittement — real PDFs, as a clerk downloads them.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from workflow.adapters.textpdf import latin1
from workflow.identifiers import ascii_digits
from workflow.protocol.archive import ReceivedArchive

#: file ids are the transaction's id times this, plus the file's position
FILE_ID_FACTOR = 1000


@dataclass(frozen=True, slots=True)
class TransactionFile:
    id: int
    name: str
    posted_filename: str
    mimetype: str
    size: int
    code_pj: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "posted_filename": self.posted_filename,
            "mimetype": self.mimetype,
            "size": self.size,
            "sign": "",
            "code_pj": self.code_pj,
        }


def files_of(transaction_id: int, archive: Path | bytes) -> list[TransactionFile]:
    """[0] the message XML, [1] the act, [2…] the annexes (S²LOW's order), with their sizes.

    Members are named ``…_0.xml`` (the message), ``<typology>-…_1.pdf`` (the act),
    ``…_2.pdf``… (annexes); the envelope (``EACT--…``) is not a file of the act."""
    with ReceivedArchive.open(archive) as received:
        sizes = {m.name: m.size for m in received.members}
    members = [n for n in sizes if not n.startswith(("EACT--", "TACT--"))]

    def position(name: str) -> int:
        suffix = name.rsplit("_", 1)[-1].split(".", 1)[0]
        return int(suffix) if ascii_digits(suffix) else 999

    out = []
    for index, name in enumerate(sorted(members, key=position)):
        kind = "application/pdf" if name.lower().endswith(".pdf") else "text/xml"
        code = name.split("-", 1)[0] if index else None
        file_id = transaction_id * FILE_ID_FACTOR + index
        out.append(TransactionFile(file_id, name, name, kind, sizes[name], code))
    return out


def open_file(archive: Path | bytes, name: str) -> BinaryIO:
    """One member's content in a temporary file (on disk past 1 MiB), at its start."""
    # closed by the caller
    copy = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=1024 * 1024))  # noqa: SIM115
    try:
        with ReceivedArchive.open(archive) as received:
            received.copy_to(name, copy)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy


def stamp(
    pdf: bytes, *, id_acte: str, sent: dt.date, received: dt.date, published: dt.date | None
) -> bytes:
    """The act with the préfecture's stamp on its first page, as platforms print it."""
    lines = [
        "Accusé de réception en préfecture",
        id_acte,
        f"Date de télétransmission : {sent:%d/%m/%Y}",
        f"Date de réception préfecture : {received:%d/%m/%Y}",
    ]
    if published is not None:
        lines.append(f"Date d'affichage : {published:%d/%m/%Y}")
    overlay = FPDF(unit="pt", format="A4")
    overlay.add_page()
    overlay.set_font("Helvetica", size=7)
    overlay.set_xy(360, 20)
    overlay.multi_cell(200, 9, latin1("\n".join(lines)), border=1)
    stamp_page = PdfReader(io.BytesIO(bytes(overlay.output()))).pages[0]
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pages[0].merge_page(stamp_page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bordereau(
    *,
    id_acte: str,
    number: str,
    subject: str,
    nature: str,
    classification: str,
    sent: dt.date,
    received: dt.date,
    files: list[str],
) -> bytes:
    """The bordereau d'acquittement: the receipt a clerk files with the act."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 10, latin1("Bordereau d'acquittement de transaction"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", size=10)
    rows = [
        ("Identifiant unique", id_acte),
        ("Numéro de l'acte", number),
        ("Objet", subject),
        ("Nature", nature),
        ("Classification", classification),
        ("Date de télétransmission", f"{sent:%d/%m/%Y}"),
        ("Date de réception préfecture", f"{received:%d/%m/%Y}"),
        ("Fichiers", ", ".join(files)),
    ]
    for label, value in rows:
        pdf.multi_cell(0, 6, latin1(f"{label} : {value}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
