"""The préfecture's stamp: the act's IDActe and the dates of sending, reception and publication.

A stamp is printed in many layouts (``PROTOCOL.md`` §5): « Envoyé en préfecture le / Reçu en
préfecture le / Publié le / ID : … », « Accusé de réception en préfecture / <IDActe> / Date de
télétransmission / Date de réception préfecture », « Envoi Préfecture : … / Réception en
Préfecture : … », « Identifiant Acte », an ACTES file name in a footer
(``99_AR-<IDActe>-1-1_1.PDF``)… The reader knows the labels, not the towns:

* a label's value is right after it, or alone at the start of the next line; a label left
  blank never takes a date printed further on, nor a next line that is not a date;
* an identifier is read through OCR damage that can be undone with certainty (dashes of any
  kind, spaces, ``O`` for ``0`` in a numeric segment, a nature split in two, a Corsican
  ``02B`` read ``028`` when the SIREN is a Corsican commune's); any other damage leaves it
  malformed, with a suggestion for review when the document itself gives one;
* a document may carry two stamps (an annexed act has its own): the act's is the first one,
  and each date is taken from the stamp it stands nearest to.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from workflow.errors import InvalidIdentifier
from workflow.identifiers import IDActe, Siren, commune_departements
from workflow.intake.dates import find_dates
from workflow.intake.reading import HEADING, INFERRED, LABELLED, Cand, date_at, value_line
from workflow.intake.text import Line

_D = r"\s*[-‐‑‒–—―]\s*"
_ID_LOOSE = re.compile(
    r"(?<![\w])(?P<dep>[0-9Oo]{2}[0-9ABOo])" + _D
    + r"(?P<siren>[0-9Oo](?:[0-9Oo ]{3,12})[0-9Oo])" + _D
    + r"(?P<date>[0-9Oo]{5,9})" + _D
    + r"(?P<num>[A-Za-z0-9_./]+(?:" + _D + r"[A-Za-z0-9_./]+)*?)" + _D
    + r"(?P<nat>D\s?E|A\s?R|A\s?I|C\s?C|B\s?F|A\s?U)(?![A-Za-z0-9])"
)  # fmt: skip
_FILE_NAME = re.compile(r"\d{2}_[A-Z]{2}-$")
_STAMP_WORDS = re.compile(r"(?<![\w])(?:id|identifiant(?: (?:de l')?acte)?|accuse de reception)\b")

#: label → the date it gives; folded text, OCR's « prétecture » for « préfecture » tolerated
_PREF = r"(?:sous-)?pre[ft]ecture"
DATE_LABELS: dict[str, re.Pattern[str]] = {
    "transmission_date": re.compile(
        rf"envoyee? (?:en|a la) {_PREF}(?: de [\w' -]+?)?(?: le)?|envoi (?:en )?{_PREF}|"
        rf"date de (?:tele)?transmission|date d'envoi|(?:tele)?transmise? (?:en|a la) {_PREF}(?: le)?|"
        rf"(?:de la )?transmission (?:en|a la) {_PREF}(?: le)?|depot (?:en|a la) {_PREF}(?: de [\w' -]+?)? le"
    ),
    "reception_date": re.compile(
        rf"recue? (?:en|a la|par la) {_PREF}(?: le)?|reception (?:en|par la|a la) {_PREF}(?: le)?|"
        rf"reception par le pre[ft]et(?: le)?|date de reception(?: (?:en |par la |a la )?{_PREF})?|"
        rf"date d'emission de l'accuse de reception|accuse de reception (?:en |par la )?{_PREF} le|"
        r"accuse de reception le|recue? le"
    ),
    "publication_date": re.compile(
        r"publiee? le|affichee? le|mise? en ligne le|date de (?:la )?publication|date d'affichage|"
        r"date de mise en ligne|(?:et )?(?:l')?affichage le|publication\s*:"
    ),
}
#: OCR that lost a date's first slash: ``2102/2023`` for ``21/02/2023``
_DAMAGED_DATE = re.compile(r"^[\s:.|]*(\d{2})(\d{2})/(\d{4})(?!\d)")


@dataclass(frozen=True, slots=True)
class Printed:
    """One identifier as printed, and what could be read from it."""

    line: Line
    printed: str
    normalised: str
    id_acte: IDActe | None
    why: str | None
    repairs: tuple[str, ...]


def _undo_ocr(match: re.Match[str]) -> tuple[str, tuple[str, ...]]:
    """The identifier with the damage that has one reading undone, and what was undone."""

    def zero(text: str) -> str:
        return text.replace("O", "0").replace("o", "0")

    dep, siren, date = (
        zero(match["dep"]),
        zero(match["siren"]).replace(" ", ""),
        zero(match["date"]),
    )
    num, nat = re.sub(_D, "-", match["num"]), match["nat"].replace(" ", "")
    repairs = []
    if any(ch in match.group(0) for ch in "‐‑‒–—―"):
        repairs.append("dashes")
    if " " in match["siren"].strip() or re.search(r"\s", match["nat"]):
        repairs.append("spaces")
    if (dep, siren, date) != (match["dep"], match["siren"].replace(" ", ""), match["date"]):
        repairs.append("O read for 0")
    return "-".join((dep, siren, date, num, nat)), tuple(repairs)


def _corsica(normalised: str) -> tuple[str, str | None]:
    """``028-212000962-…`` → ``02B-…`` (OCR reads B as 8, A as 4), when certain."""
    dep, siren, rest = normalised.split("-", 2)
    try:
        allowed = commune_departements(Siren.parse(siren))
    except InvalidIdentifier:
        return normalised, None
    shapes = {"8": "B", "4": "A"}
    if allowed == frozenset({"02A", "02B"}) and dep[:2] == "02" and dep[2] in shapes:
        fixed = "02" + shapes[dep[2]]
        return (
            f"{fixed}-{siren}-{rest}",
            f"{dep} → {fixed} (OCR reads {fixed[2]} as {dep[2]}; SIREN {siren} is a Corsican commune's)",
        )
    return normalised, None


def find_identifiers(lines: list[Line]) -> list[Printed]:
    found: list[Printed] = []
    for line in lines:
        for match in _ID_LOOSE.finditer(line.text):
            normalised, repairs = _undo_ocr(match)
            normalised, corsica = _corsica(normalised)
            if corsica:
                repairs = (*repairs, corsica)
            try:
                id_acte: IDActe | None = IDActe.parse(normalised, field="id_acte")
                why = None
            except InvalidIdentifier as error:
                id_acte, why = None, error.message
            printed = match.group(0)
            found.append(Printed(line, printed, normalised, id_acte, why, repairs))
    return found


def _department_check(id_acte: IDActe) -> str | None:
    """Why the département and the SIREN of an IDActe disagree, or ``None``."""
    allowed = commune_departements(id_acte.siren)
    if allowed is None or id_acte.departement.value in allowed:
        return None
    return (
        f"the département {id_acte.departement.value} disagrees with the SIREN "
        f"{id_acte.siren.value}, a commune of {' or '.join(sorted(allowed))}"
    )


def _date_repair(segment: str, document_dates: set[dt.date]) -> dt.date | None:
    """The one date printed in the document that the damaged date segment is a reading of."""
    matches = set()
    for date in document_dates:
        compact = date.strftime("%Y%m%d")
        if len(segment) == 7 and any(compact[:k] + compact[k + 1 :] == segment for k in range(8)):
            matches.add(date)
        if len(segment) == 8 and sum(a != b for a, b in zip(compact, segment, strict=True)) == 1:
            matches.add(date)
    return matches.pop() if len(matches) == 1 else None


def _suggestion(item: Printed, document_dates: set[dt.date]) -> tuple[str, str] | None:
    """A repaired reading of a malformed identifier for a person to confirm, and why."""
    parts = item.normalised.split("-")
    dep, siren_raw, date_raw, nat = parts[0], parts[1], parts[2], parts[-1]
    try:
        siren = Siren.parse(siren_raw)
    except InvalidIdentifier:
        return None
    notes = []
    allowed = commune_departements(siren)
    if allowed is not None and dep not in allowed:
        if len(allowed) != 1:
            return None
        dep = next(iter(allowed))
        notes.append(f"département {parts[0]} read as {dep} (the SIREN's)")
    try:
        dt.date(int(date_raw[:4]), int(date_raw[4:6]), int(date_raw[6:]))
        ok = len(date_raw) == 8
    except ValueError:
        ok = False
    if not ok:
        repaired = _date_repair(date_raw, document_dates)
        if repaired is None:
            return None
        date_raw = repaired.strftime("%Y%m%d")
        notes.append(f"date {parts[2]} read as {date_raw} (a date the document prints)")
    candidate = "-".join((dep, siren.value, date_raw, "-".join(parts[3:-1]), nat))
    try:
        IDActe.parse(candidate)
    except InvalidIdentifier:
        return None
    return candidate, "; ".join(notes)


def read_stamp(lines: list[Line], folded: list[str], body: int, cand: Cand) -> None:
    """The act's identifier and the stamp's dates (see the module's description)."""
    identifiers = find_identifiers(lines)
    host = _host(identifiers)
    dates = _stamp_dates(lines, folded)
    if host is None:
        for key, readings in dates.items():
            for value, confidence, line, how in readings:
                cand(key).add(value, confidence, line, how)
        return
    document_dates = {f.value for line in lines for f in find_dates(line.text)}
    stamp = _read_identifier(host, identifiers, document_dates, folded, cand)
    anchors = [item.line.number for item in identifiers if item.normalised == host.normalised]
    others = [item.line.number for item in identifiers if item.normalised != host.normalised]
    for key, readings in dates.items():
        for value, confidence, line, how in readings:
            mine = min(abs(line.number - n) for n in anchors)
            theirs = min((abs(line.number - n) for n in others), default=None)
            if theirs is not None and theirs < mine:
                continue  # the date of the annexed act's stamp
            cand(key).add(value, confidence, line, how)
    near = any(_STAMP_WORDS.search(folded[n - 1]) for n in anchors) or any(
        key != "publication_date" for key in dates
    )
    cand("printed_ar").add(
        stamp,
        LABELLED if near else HEADING,
        host.line,
        "préfecture's stamp" if near else "an IDActe printed in the text",
    )


def _host(identifiers: list[Printed]) -> Printed | None:
    """The act's own identifier: the first one printed (an annexed act's comes later).

    When OCR damaged the first print of it, a clean print of the same act (same SIREN and
    number segments) elsewhere in the document stands for it.
    """
    if not identifiers:
        return None
    first = identifiers[0]
    if first.id_acte is None:
        key = first.normalised.split("-")[1], first.normalised.split("-")[3:-1]
        for item in identifiers[1:]:
            parts = item.normalised.split("-")
            if item.id_acte is not None and (parts[1], parts[3:-1]) == key:
                return item
    return first


def _read_identifier(
    host: Printed,
    identifiers: list[Printed],
    document_dates: set[dt.date],
    folded: list[str],
    cand: Cand,
) -> dict[str, Any]:
    line = host.line
    repaired = f" (OCR repaired: {', '.join(host.repairs)})" if host.repairs else ""
    same_page = {
        item.normalised
        for item in identifiers
        if item.line.page == host.line.page and item.normalised != host.normalised
        and item.id_acte is not None
    }  # fmt: skip
    if host.id_acte is None:
        return _malformed(host, document_dates, cand)
    id_acte = host.id_acte
    stamp: dict[str, Any] = {"id": str(id_acte), "valid": True, "date": id_acte.date}
    others = sorted({i.normalised for i in identifiers if i.normalised != host.normalised})
    if others:
        stamp["other_ids"] = others
    disagreement = _department_check(id_acte)
    confidence = LABELLED if not host.repairs else HEADING
    if disagreement or same_page:
        confidence = INFERRED
        stamp["why"] = (
            disagreement or f"another identifier on the same page: {sorted(same_page)[0]}"
        )
    how = "the printed IDActe" + repaired
    for item in identifiers:
        if item.normalised == host.normalised:
            cand("id_acte").add(str(id_acte), confidence, item.line, how)
    cand("siren").add(id_acte.siren.value, LABELLED, line, "SIREN segment of " + how)
    dep_confidence = INFERRED if disagreement else confidence
    cand("departement").add(id_acte.departement.value, dep_confidence, line,
                            "département segment of " + how)  # fmt: skip
    if disagreement:
        allowed = commune_departements(id_acte.siren) or frozenset()
        for code in sorted(allowed):
            cand("departement").add(code, INFERRED, line, "the SIREN's département")
    cand("nature").add(id_acte.nature.name, confidence, line, "nature segment of " + how)
    cand("numero_printed").add(
        id_acte.numero,
        INFERRED,
        line,
        "number segment of the printed IDActe (may be an internal id)",
    )
    cand("id_date").add(id_acte.date, confidence, line, "date segment of " + how)
    return stamp


def _malformed(host: Printed, document_dates: set[dt.date], cand: Cand) -> dict[str, Any]:
    """A printed identifier that does not parse: reported as printed, a repair only suggested."""
    line = host.line
    stamp: dict[str, Any] = {"id_as_printed": host.printed, "valid": False, "why": host.why}
    parts = host.normalised.split("-")
    cand("departement").add(parts[0], INFERRED, line,
                            "département segment of a malformed printed IDActe")  # fmt: skip
    try:
        siren = Siren.parse(parts[1])
    except InvalidIdentifier:
        siren = None
    if siren is not None:
        cand("siren").add(siren.value, HEADING, line, "SIREN segment of a malformed printed IDActe")
        for code in sorted(commune_departements(siren) or ()):
            cand("departement").add(code, HEADING if code == parts[0] else INFERRED, line,
                                    "the SIREN's département")  # fmt: skip
    if parts[-1] in ("DE", "AR", "AI", "CC", "BF", "AU"):
        cand("nature").add(parts[-1], HEADING, line, "nature segment of a malformed printed IDActe")
    suggestion = _suggestion(host, document_dates)
    if suggestion is not None:
        value, notes = suggestion
        stamp["suggested"] = value
        cand("id_acte").add(
            value, INFERRED, line, f"the malformed {host.printed!r} repaired: {notes}"
        )
    return stamp


def _stamp_dates(
    lines: list[Line], folded: list[str]
) -> dict[str, list[tuple[dt.date, float, Line, str]]]:
    """Every labelled stamp date: label → (date, confidence, line, how)."""
    found: dict[str, list[tuple[dt.date, float, Line, str]]] = {}
    for i, text in enumerate(folded):
        for key, pattern in DATE_LABELS.items():
            for label in pattern.finditer(text):
                reading = _labelled_date(lines, folded, i, label)
                if reading is not None:
                    value, confidence, where, how = reading
                    found.setdefault(key, []).append((value, confidence, where, how))
                    break
    return found


def _labelled_date(
    lines: list[Line], folded: list[str], i: int, label: re.Match[str]
) -> tuple[dt.date, float, Line, str] | None:
    how = f"'{label.group(0).strip()}'"
    date = date_at(lines[i].text, label.end())
    if date is not None:
        # « il a été publié le 23 janvier, un appel d'offres »: a sentence, not a stamp's label
        prose = (
            label.group(0).startswith(("publi", "affich", "mis"))
            and re.search(r"[a-z]\s*$", folded[i][: label.start()]) is not None
        )
        return date.value, INFERRED if prose else LABELLED, lines[i], how
    damaged = _DAMAGED_DATE.match(lines[i].text[label.end() :])
    if damaged:
        try:
            value = dt.date(int(damaged[3]), int(damaged[2]), int(damaged[1]))
        except ValueError:
            return None
        return value, INFERRED, lines[i], f"{how}, OCR-damaged date {damaged.group(0).strip()!r}"
    column = _column_value(lines, folded, i)
    if column is not None:
        return (
            column[0],
            HEADING,
            column[1],
            f"{how}, value in the column of values under the labels",
        )
    j = value_line(lines, folded, i, label.end())
    if j is not None:
        date = date_at(lines[j].text)
        if date is not None:
            return date.value, LABELLED, lines[j], f"{how}, value on the next line"
    return None


def _blank_label(text: str) -> bool:
    """A line that is only a stamp label, left without its value."""
    for pattern in DATE_LABELS.values():
        match = pattern.search(text)
        if (
            match
            and not text[: match.start()].strip(" :.-|")
            and not text[match.end() :].strip(" :.-|")
        ):
            return True
    return False


def _date_only(line: Line) -> dt.date | None:
    found = date_at(line.text)
    return found.value if found is not None and found.end >= len(line.text.rstrip(" .")) else None


def _column_value(lines: list[Line], folded: list[str], i: int) -> tuple[dt.date, Line] | None:
    """Labels stacked without their values, then the values stacked in the same order:
    « Envoi Préfecture : ⏎ Réception en Préfecture : ⏎ 06/02/2013 ⏎ 07/02/2013 »."""
    if not _blank_label(folded[i]):
        return None
    start = i
    while start > 0 and _blank_label(folded[start - 1]):
        start -= 1
    end = i
    while end + 1 < len(lines) and _blank_label(folded[end + 1]):
        end += 1
    if start == end:
        return None  # a single label: its value, if any, is on the next line
    values = lines[end + 1 : end + 1 + (end - start + 1)]
    dates = [_date_only(line) for line in values]
    if len(dates) != end - start + 1 or any(d is None for d in dates):
        return None  # not as many values as labels: no pairing is certain
    value = dates[i - start]
    return (value, values[i - start]) if value is not None else None
