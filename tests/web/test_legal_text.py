"""The act's page speaks the clerk's language: the executory date, each deadline's explanation
and the history's reasons are French sentences with French dates (« 19 décembre 2022 »), and
English ones under ACTES_LOCALE=en; no stable code (``prefet_defere``) is shown bare."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest

from tests.conftest import make_pdf
from tests.integration.test_api import DREUX
from tests.web.conftest import Site
from workflow.store import NewAct


def _dreux_act(site: Site, tmp_path: Path) -> int:
    """LEGAL.md §2 (a): a deliberation of 13 Oct 2022 received and published on 18 Oct 2022
    (recorded from its printed accusé de réception)."""
    pdf = tmp_path / "dreux.pdf"
    pdf.write_bytes(make_pdf("Délibération de Dreux"))
    act, _ = site.services.submission.submit(
        NewAct(
            DREUX.siren.value,
            "k-legal",
            "DEL2022_148",
            "DEL2022-148",
            dt.date(2022, 10, 13),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "Espace Numérique de Travail",
            ((pdf, None),),
            acknowledged=("028-212801344-20221013-DEL2022_148-DE", dt.date(2022, 10, 18)),
        )
    )
    site.services.law.record_publicity(act.id, "electronic", dt.date(2022, 10, 18))
    site.add_user("agent.dreux", "agent", DREUX.siren.value)
    return act.id


def _page(site: Site, act_id: int) -> str:
    answer = site.session("agent.dreux").get(f"{site.url}/actes/{act_id}", timeout=10)
    assert answer.status_code == 200
    return html.unescape(answer.text)


def test_the_act_page_explains_in_french_then_in_english(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act_id = _dreux_act(site, tmp_path)
    monkeypatch.delenv("ACTES_LOCALE", raising=False)
    french = _page(site, act_id)
    assert "exécutoire le 18 octobre 2022 : reçu en préfecture le 18 octobre 2022" in french
    assert (
        "le préfet peut déférer l'acte au tribunal administratif jusqu'au 19 décembre 2022"
        in french
    )
    assert (
        "un recours contentieux devant le tribunal administratif est possible jusqu'au " in french
    )
    # the history's reason, kept untranslated, shown in the reader's language
    assert (
        "transmis auparavant : accusé de réception 028-212801344-20221013-DEL2022_148-DE" in french
    )
    assert "the préfet may refer" not in french and "prefet_defere" not in french
    monkeypatch.setenv("ACTES_LOCALE", "en")
    english = _page(site, act_id)
    assert "the préfet may refer the act to the court until 19 December 2022" in english
    assert (
        "transmitted before: accusé de réception 028-212801344-20221013-DEL2022_148-DE" in english
    )
    assert "le préfet peut déférer" not in english and "prefet_defere" not in english
