"""Suggest an act's classification from its objet, against the collectivité's nomenclature.

Two sources of words score each code: a lexicon of the words deliberations use for each
national matière (``école``, ``scolaire`` → 8.1 Enseignement; ``subvention`` → 7.5), and the
words of the nomenclature's own labels — including the levels 3 to 5 each préfecture adds in
its 7-2 ``RetourClassification``, so a local subdivision is proposed when its label matches.
Every suggestion says which words led to it. The best code is taken without a person only
when it is clearly ahead (:data:`SURE_SCORE` and :data:`SURE_MARGIN`); otherwise the top 3
are offered for a person to pick.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workflow.intake.dates import fold
from workflow.protocol.messages import Matiere, RetourClassification

#: a lexicon phrase found is worth this much; a label word, LABEL_WEIGHT
LEXICON_WEIGHT = 2.0
LABEL_WEIGHT = 1.0
#: a préfecture's subdivision (level 3 and below) is proposed when this many of its label's
#: words are in the objet
MIN_SUBDIVISION_WORDS = 2
#: taken without review when the best score is at least this …
SURE_SCORE = 2.0
#: … and at least this many times the runner-up's
SURE_MARGIN = 1.5

# Words and phrases (folded: lower case, no accents) that deliberations use for each matière.
LEXICON: dict[str, tuple[str, ...]] = {
    "1.1": ("marche public", "marches publics", "appel d'offres", "consultation", "attribution du marche", "avenant au marche", "accord-cadre", "groupement de commandes"),
    "1.2": ("delegation de service public", "dsp", "concession de service", "affermage", "delegataire"),
    "1.3": ("convention de mandat", "mandat de maitrise d'ouvrage"),
    "1.4": ("contrat", "bail emphyteotique", "partenariat public-prive"),
    "1.5": ("transaction", "protocole transactionnel", "protocole d'accord"),
    "1.6": ("maitrise d'oeuvre", "maitre d'oeuvre"),
    "2.1": ("plan local d'urbanisme", "plu", "plui", "carte communale", "scot", "modification simplifiee", "revision du plu"),
    "2.2": ("permis de construire", "permis d'amenager", "declaration prealable", "autorisation d'urbanisme", "certificat d'urbanisme"),
    "2.3": ("droit de preemption", "preemption"),
    "3.1": ("acquisition", "acquerir", "achat de terrain", "achat d'un terrain", "parcelle"),
    "3.2": ("cession", "alienation", "vente d'un", "vente de terrain", "ceder"),
    "3.3": ("location", "bail", "loyer", "mise a disposition de locaux"),
    "3.4": ("limites territoriales", "limite communale"),
    "3.5": ("domaine public", "occupation du domaine public", "redevance d'occupation", "denomination de voie", "denomination de rue"),
    "3.6": ("domaine prive", "gestion du domaine prive"),
    "4.1": ("personnel titulaire", "tableau des effectifs", "creation de poste", "suppression de poste", "avancement de grade", "titulaire"),
    "4.2": ("contractuel", "agent contractuel", "emploi non permanent", "vacataire", "recrutement d'un agent"),
    "4.4": ("apprenti", "apprentissage", "service civique", "stagiaire"),
    "4.5": ("regime indemnitaire", "rifseep", "ifse", "prime", "indemnite"),
    "5.1": ("election du maire", "election des adjoints", "installation du conseil"),
    "5.2": ("reglement interieur", "fonctionnement du conseil", "compte rendu", "proces-verbal"),
    "5.3": ("designation", "representant", "representants", "delegue", "delegues"),
    "5.4": ("delegation de fonctions", "delegations au maire", "delegation au maire"),
    "5.5": ("delegation de signature",),
    "5.6": ("indemnites de fonction", "formation des elus", "mandat local", "frais de mission des elus"),
    "5.7": ("intercommunalite", "communaute de communes", "communaute d'agglomeration", "epci", "transfert de competence", "syndicat intercommunal", "adhesion au syndicat"),
    "5.8": ("ester en justice", "recours contentieux", "action en justice", "defendre la commune"),
    "6.1": ("police municipale", "stationnement", "circulation", "arrete de police"),
    "6.4": ("reglementation", "reglement"),
    "7.1": ("budget primitif", "budget supplementaire", "decision modificative", "compte administratif", "compte de gestion", "affectation du resultat", "compte financier unique", "debat d'orientation budgetaire"),
    "7.2": ("taxe", "taux d'imposition", "fiscalite", "exoneration", "taxe fonciere", "taxe d'habitation", "taxe d'amenagement"),
    "7.3": ("emprunt", "pret", "ligne de tresorerie", "garantie d'emprunt"),
    "7.4": ("aide economique", "aide a l'immobilier d'entreprise", "developpement economique"),
    "7.5": ("subvention", "subventions", "aide financiere", "dotation d'equipement", "dsil", "detr"),
    "7.6": ("contribution", "participation financiere", "cotisation"),
    "7.7": ("avance", "avances remboursables"),
    "7.8": ("fonds de concours",),
    "7.9": ("prise de participation", "sem", "societe d'economie mixte", "spl"),
    "7.10": ("tarif", "tarifs", "admission en non-valeur", "creances irrecouvrables", "provision", "regie"),
    "8.1": ("ecole", "ecoles", "scolaire", "periscolaire", "enseignement", "education", "eleve", "eleves", "college", "lycee", "classe", "cantine", "restauration scolaire", "environnement numerique de travail", "espace numerique de travail", "ent", "academie", "rentree", "fournitures scolaires"),
    "8.2": ("aide sociale", "ccas", "action sociale", "personnes agees", "handicap", "solidarite", "insertion"),
    "8.3": ("voirie", "chaussee", "trottoir", "route", "routes", "chemin", "eclairage public", "travaux de voirie"),
    "8.4": ("amenagement du territoire", "amenagement", "zone d'amenagement", "zac", "revitalisation", "petites villes de demain"),
    "8.5": ("logement", "habitat", "logement social", "politique de la ville", "bailleur social", "renovation urbaine"),
    "8.6": ("emploi", "formation professionnelle", "insertion professionnelle"),
    "8.7": ("transport", "transports", "mobilite", "navette", "transport scolaire"),
    "8.8": ("environnement", "dechets", "assainissement", "eau potable", "energie", "photovoltaique", "biodiversite", "espaces verts", "gemapi"),
    "8.9": ("culture", "culturel", "culturelle", "bibliotheque", "mediatheque", "musee", "patrimoine", "spectacle", "festival", "ecole de musique"),
    "9.1": ("cimetiere", "concession funeraire", "marche hebdomadaire", "jumelage", "sport", "sportive", "associations"),
    "9.4": ("voeu", "motion"),
}  # fmt: skip

_STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "ou",
        "par",
        "pour",
        "sans",
        "se",
        "sur",
        "un",
        "une",
        "d",
        "autres",
        "autre",
        "divers",
        "actes",
        "acte",
        "relatifs",
        "relatif",
        "types",
        "type",
    ]
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str
    label: str
    score: float
    words: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "score": self.score,
            "words": list(self.words),
        }


@dataclass(frozen=True, slots=True)
class Classification:
    """The ranked suggestions; ``chosen`` only when the best one is clearly ahead."""

    ranked: tuple[Suggestion, ...]
    chosen: Suggestion | None

    @property
    def top3(self) -> tuple[Suggestion, ...]:
        return self.ranked[:3]

    def explain(self) -> str:
        if not self.ranked:
            return "no word of the objet matches the nomenclature"
        best = self.ranked[0]
        return f"{best.code} {best.label}: " + ", ".join(f"'{w}'" for w in best.words)

    def as_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.as_dict() if self.chosen else None,
            "top3": [s.as_dict() for s in self.top3],
            "explanation": self.explain(),
        }


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", fold(text)) if w not in _STOPWORDS]


def _walk(matieres: tuple[Matiere, ...], prefix: str = "") -> Iterator[tuple[str, str]]:
    for matiere in matieres:
        code = f"{prefix}{matiere.code}"
        yield code, matiere.libelle
        yield from _walk(matiere.children, f"{code}.")


def suggest(objet: str, nomenclature: RetourClassification, *extra: str) -> Classification:
    """Rank the nomenclature's codes (level 2 and below) for an objet; ``extra`` texts (a
    theme, a commission's name) count half."""
    text_hits, text_rest = _lexicon_hits(objet)
    extra_hits, _ = _lexicon_hits(" ".join(extra))
    rest_words = set(_words(text_rest))  # words not already part of a lexicon phrase
    all_words = set(_words(objet))
    labels = dict(_walk(nomenclature.matieres))
    scored: list[Suggestion] = []
    for code, label in labels.items():
        if "." not in code:
            continue  # level 1 is never enough (levels 1 and 2 are mandatory)
        level2 = ".".join(code.split(".")[:2])
        score = 0.0
        words: list[str] = []
        for phrase in text_hits.get(level2, ()):
            score += LEXICON_WEIGHT
            words.append(phrase)
        for phrase in extra_hits.get(level2, ()):
            if phrase not in words:
                score += LEXICON_WEIGHT / 2
                words.append(f"{phrase} (theme)")
        # a level-2 label competes only with words no phrase explained; a deeper label (the
        # préfecture's own subdivisions) refines its parent with every word of the objet, but
        # only when at least MIN_SUBDIVISION_WORDS of its words are there (one common word —
        # "école" in « école de la 2e chance » — is not enough to narrow an act down)
        deeper = code.count(".") >= 2
        matched = [
            w
            for w in sorted(set(_words(label)) & (all_words if deeper else rest_words))
            if len(w) > 2
        ]
        if deeper and len(matched) < MIN_SUBDIVISION_WORDS:
            continue
        for word in matched:
            score += LABEL_WEIGHT * (1.5 if deeper else 1.0)
            words.append(word)
        if score:
            scored.append(Suggestion(code, label, score, tuple(dict.fromkeys(words))))
    ranked = sorted(scored, key=lambda s: (-s.score, s.code.count("."), _code_key(s.code)))
    chosen = None
    if ranked and ranked[0].score >= SURE_SCORE:
        runner_up = next((s.score for s in ranked[1:] if not s.code.startswith(ranked[0].code + ".")
                          and not ranked[0].code.startswith(s.code + ".")), 0.0)  # fmt: skip
        if ranked[0].score >= SURE_MARGIN * runner_up:
            chosen = ranked[0]
    return Classification(tuple(ranked), chosen)


_PHRASES: list[tuple[str, tuple[str, ...]]] = sorted(
    (
        (phrase, tuple(code for code, phrases in LEXICON.items() if phrase in phrases))
        for phrase in {p for phrases in LEXICON.values() for p in phrases}
    ),
    key=lambda item: -len(item[0]),
)


def _lexicon_hits(text: str) -> tuple[dict[str, list[str]], str]:
    """Lexicon phrases found in ``text`` (longest first: a phrase's words are then used up,
    so "environnement numérique de travail" does not also count as "environnement"), and
    what is left of the text."""
    rest = " " + " ".join(re.findall(r"[a-z0-9'-]+", fold(text))) + " "
    hits: dict[str, list[str]] = {}
    for phrase, codes in _PHRASES:
        if f" {phrase} " in rest:
            rest = rest.replace(f" {phrase} ", "  ")
            for code in codes:
                hits.setdefault(code, []).append(phrase)
    return hits, rest


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))
