"""A clerk in a real browser (Debian's headless Chromium, driven by Playwright; no browser
download): logs in, sees an act reach « accusé de réception reçu », finds it by IDActe,
downloads its AR and bordereau, answers a demande de pièces complémentaires with a PDF,
records a publication and sees the executory date and deadlines, completes a draft and sends
it. Every page is screenshot to ``tests/web/screenshots/`` and checked with axe-core (no
serious or critical violation)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_api import DOLE, DREUX, DREUX_TEXT
from tests.support import control, simulated_services
from tests.web.conftest import PASSWORD, Site, build_site
from workflow.adapters.pki import DevPki
from workflow.adapters.textpdf import text_pdf
from workflow.intake.metadata import ActMetadata
from workflow.intake.requests import Principal, Upload
from workflow.intake.service import Intake
from workflow.lifecycle import ActState

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("ACTES_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).with_name("screenshots")


@pytest.fixture
def platform_site(pki: DevPki, tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    # the platform knows the account's collectivité; the store has Dole too
    with simulated_services(pki, tmp_path, url, stored=(DREUX, DOLE)) as services:
        yield from build_site(services, url, tmp_path)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required in CI (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--lang=fr-FR"]
        )
        yield launched
        launched.close()


class Clerk:
    """The browser page, with a screenshot and an axe-core check of every page it looks at."""

    def __init__(self, page: Any, url: str) -> None:
        import axe_playwright_python

        self.page = page
        self.url = url
        self.axe = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
        self.violations: dict[str, list[str]] = {}
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def look(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        self.page.evaluate(self.axe)
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            self.violations[name] = serious

    def download(self, link_text: str, tmp_path: Path) -> bytes:
        with self.page.expect_download() as info:
            self.page.get_by_role("link", name=link_text, exact=True).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        return target.read_bytes()


def _until(check: Any, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_a_clerk_follows_answers_publishes_and_completes(
    platform_site: Site, browser: Any, tmp_path: Path
) -> None:
    site, services = platform_site, platform_site.services
    site.add_user("agent.dreux", "agent", DREUX.siren.value)
    site.add_user("admin.dreux", "admin", DREUX.siren.value)
    intake = Intake(services)
    caller = Principal("token:1", frozenset({DREUX.siren.value}))
    pdf = tmp_path / "deliberation.pdf"
    pdf.write_bytes(
        text_pdf(DREUX_TEXT.format(n=148, objet="Espace Numérique de Travail des écoles"))
    )
    act = intake.submit(caller, [Upload(pdf, "deliberation.pdf")], ActMetadata(), "vote-148").act
    assert act is not None
    services.submission.package(act.id)  # what the workers do with a new act
    services.transmission.transmit(act.id)

    clerk = Clerk(
        browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR"), site.url
    )
    page = clerk.page
    # log in
    clerk.go(f"/actes/{act.id}")
    assert "/connexion" in page.url
    clerk.look("01-connexion")
    page.get_by_label("Identifiant").fill("agent.dreux")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    assert page.url.endswith(f"/actes/{act.id}")
    assert "accusé de réception reçu" not in page.inner_text("h1")

    # the act reaches « accusé de réception reçu »
    def acknowledged() -> bool:
        control(services, "/control/advance", {"seconds": 5})
        services.polling.poll()
        return services.store.get_act(act.id).state is ActState.ACKNOWLEDGED

    _until(acknowledged)
    page.reload()
    assert "accusé de réception reçu" in page.inner_text("h1")
    act = services.store.get_act(act.id)
    assert act.id_acte is not None and act.date_reception is not None

    # find it by IDActe
    clerk.go("/")
    clerk.look("02-tableau-de-bord")
    page.get_by_role("link", name="Actes", exact=True).click()
    page.get_by_label("IDActe, numéro ou mots de l’objet").fill(act.id_acte)
    page.get_by_role("button", name="Rechercher").click()
    assert "1 acte(s) trouvé(s)" in page.inner_text("main")
    clerk.look("03-actes")
    page.get_by_role("link", name=act.numero_printed).click()
    assert page.url.endswith(f"/actes/{act.id}")

    # download its AR and bordereau
    ar = clerk.download("Accusé de réception (AR)", tmp_path)
    assert act.id_acte.encode() in ar and b"ARActe" in ar
    bordereau = clerk.download("Bordereau d’acquittement", tmp_path)
    assert bordereau.startswith(b"%PDF")

    # answer a demande de pièces complémentaires with a PDF
    control(
        services,
        "/control/letter",
        {"id_acte": act.id_acte, "code": "3-1", "text": "Annexe manquante"},
    )
    _until(
        lambda: (
            bool(services.polling.poll() or True)
            and any(e.code == "3-1" for e in services.store.exchanges(act.id))
        )
    )
    clerk.go("/")
    assert "Courriers de la préfecture sans réponse" in page.inner_text("main")
    clerk.go(f"/actes/{act.id}")
    clerk.look("04-acte-courrier")
    answer = tmp_path / "pieces.pdf"
    answer.write_bytes(text_pdf("Pièces complémentaires : le plan annexé"))
    page.get_by_label("Réponse (PDF)").set_input_files(str(answer))
    page.get_by_role("button", name="Envoyer la réponse").click()
    assert "Réponse envoyée à la préfecture." in page.inner_text("main")
    assert "Répondu le" in page.inner_text("#courriers")
    assert services.store.exchanges(act.id)[-1].answered_on is not None

    # record a publication: the executory date and the deadlines appear
    published = act.date_reception
    page.get_by_label("Date", exact=True).fill(published.isoformat())
    page.get_by_label("Mode").select_option("electronic")
    page.get_by_label("Adresse (URL), pour une publication électronique").fill(
        "https://dreux.fr/actes/148"
    )
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    text = page.inner_text("main")
    assert f"Exécutoire depuis le {published:%d/%m/%Y}" in text
    assert page.locator("#t-deadlines + .table-wrap table tbody tr").count() >= 1
    clerk.look("05-acte-publie")
    clerk.go("/echeances")
    clerk.look("06-echeances")

    # complete a draft and send it
    note = tmp_path / "note.pdf"
    note.write_bytes(
        text_pdf("Ville de Dreux\nNote au conseil\nProjet de convention avec l'association")
    )
    draft = intake.submit(caller, [Upload(note, "convention.pdf")], ActMetadata(), "vote-150").draft
    assert draft.status == "open"
    clerk.go("/brouillons")
    clerk.look("07-brouillons")
    page.get_by_role("link", name=f"Brouillon {draft.id}").click()
    clerk.look("08-brouillon")
    page.get_by_label("Numéro", exact=True).fill("DEL2022_150")
    page.get_by_label("Date de la décision").fill("2022-10-13")
    page.get_by_label("Nature").select_option("DE")
    page.get_by_label("Classification").fill("1.1")
    page.get_by_label("Objet").fill("Convention avec l'association des écoles")
    page.get_by_role("button", name="Enregistrer et envoyer").click()
    assert "L’acte est enregistré et va être envoyé à la préfecture." in page.inner_text("main"), (
        page.inner_text("main")
    )
    new_id = int(re.search(r"/actes/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    assert new_id in site.queued and services.store.get_act(new_id).numero == "DEL2022_150"
    clerk.look("09-acte-envoye")

    # the administrator's page
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Identifiant").fill("admin.dreux")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    clerk.go("/administration")
    clerk.look("10-administration")
    # keyboard: the first Tab reaches the skip link, which leads to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    clerk.go(f"/actes/{act.id}")
    clerk.look("12-acte-telephone")
    page.set_viewport_size({"width": 1280, "height": 900})
    clerk.go("/actes/999999")
    assert "Page introuvable" in page.inner_text("h1")
    clerk.look("11-introuvable")
    assert not clerk.violations, clerk.violations


def test_an_act_parked_in_17_is_confirmed_from_its_page(
    platform_site: Site, pki: DevPki, tmp_path: Path
) -> None:
    """An account without the TT right leaves acts in 17: the page says so and confirms."""
    from tests.integration.test_s2low_rules import _fingerprint

    site, services = platform_site, platform_site.services
    mine = _fingerprint(pki)

    def accounts(rights: str) -> None:
        control(
            services,
            "/control/accounts",
            [{"login": "a", "certificate": mine, "siren": DREUX.siren.value, "rights": rights}],
        )

    accounts("CS")
    pdf = tmp_path / "deliberation.pdf"
    pdf.write_bytes(text_pdf(DREUX_TEXT.format(n=151, objet="Subvention au club de football")))
    caller = Principal("token:1", frozenset({DREUX.siren.value}))
    act = Intake(services).submit(caller, [Upload(pdf, "d.pdf")], ActMetadata(), "k151").act
    assert act is not None
    services.submission.package(act.id)
    services.transmission.transmit(act.id)
    services.polling.poll()
    site.add_user("agent.dreux", "agent", DREUX.siren.value)
    http = site.session("agent.dreux")
    assert f'href="/actes/{act.id}#actions"' in http.get(f"{site.url}/", timeout=10).text
    page = http.get(f"{site.url}/actes/{act.id}", timeout=10).text
    assert "Confirmer sur la plateforme" in page
    refused = http.post(
        f"{site.url}/actes/{act.id}/confirmation", data={"csrf": http.csrf}, timeout=10
    )  # type: ignore[attr-defined]
    assert "Non effectué" in refused.text  # the account lacks the TT right: the platform says no
    accounts("CS,TT")
    done = http.post(
        f"{site.url}/actes/{act.id}/confirmation", data={"csrf": http.csrf}, timeout=10
    )  # type: ignore[attr-defined]
    assert (
        "Confirmé sur la plateforme" in done.text and "Confirmer sur la plateforme" not in done.text
    )
    assert not services.store.get_act(act.id).last_error
