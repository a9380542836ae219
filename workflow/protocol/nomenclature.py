"""The national levels 1–2 of the classification of matières (PROTOCOL.md §7).

Levels 1 and 2 are national (identical in the 2004 and 2019 samples); levels 3–5 differ
between préfectures and come from each préfecture's 7-2 ``RetourClassification``.
"""

from __future__ import annotations

import datetime as dt
import functools

from workflow.identifiers import ActNature
from workflow.protocol.messages import Matiere, NatureEntry, RetourClassification, Typology

#: the version date stamped on the built-in national classification (the 2019 samples' date)
NATIONAL_VERSION = dt.date(2019, 3, 1)

LEVELS: dict[str, str] = {
    "1": "Commande publique",
    "1.1": "Marchés publics",
    "1.2": "Délégation de service public",
    "1.3": "Conventions de mandat",
    "1.4": "Autres types de contrats",
    "1.5": "Transactions/protocole d'accord transactionnel",
    "1.6": "Actes relatifs à la maîtrise d'oeuvre",
    "1.7": "Actes spéciaux et divers",
    "2": "Urbanisme",
    "2.1": "Documents d'urbanisme",
    "2.2": "Actes relatifs au droit d'occupation ou d'utilisation des sols",
    "2.3": "Droit de préemption urbain",
    "3": "Domaine et patrimoine",
    "3.1": "Acquisitions",
    "3.2": "Aliénations",
    "3.3": "Locations",
    "3.4": "Limites territoriales",
    "3.5": "Autres actes de gestion du domaine public",
    "3.6": "Autres actes de gestion du domaine privé",
    "4": "Fonction publique",
    "4.1": "Personnel titulaire et stagiaire de la FPT",
    "4.2": "Personnel contractuel",
    "4.3": "Fonction publique hospitalière",
    "4.4": "Autres catégories de personnels",
    "4.5": "Régime indemnitaire",
    "5": "Institutions et vie politique",
    "5.1": "Election exécutif",
    "5.2": "Fonctionnement des assemblées",
    "5.3": "Désignation de représentants",
    "5.4": "Délégation de fonctions",
    "5.5": "Délégation de signature",
    "5.6": "Exercice des mandats locaux",
    "5.7": "Intercommunalité",
    "5.8": "Décision d'ester en justice",
    "6": "Libertés publiques et pouvoirs de police",
    "6.1": "Police municipale",
    "6.2": "Pouvoir du président du conseil général",
    "6.3": "Pouvoir du président du conseil régional",
    "6.4": "Autres actes réglementaires",
    "6.5": "Actes pris au nom de l'Etat et soumis au contrôle hiérarchique",
    "7": "Finances locales",
    "7.1": "Décisions budgétaires",
    "7.2": "Fiscalité",
    "7.3": "Emprunts",
    "7.4": "Interventions économiques",
    "7.5": "Subventions",
    "7.6": "Contributions budgétaires",
    "7.7": "Avances",
    "7.8": "Fonds de concours",
    "7.9": "Prise de participation (SEM, etc.)",
    "7.10": "Divers",
    "8": "Domaines de compétences par thèmes",
    "8.1": "Enseignement",
    "8.2": "Aide sociale",
    "8.3": "Voirie",
    "8.4": "Aménagement du territoire",
    "8.5": "Politique de la ville-habitat-logement",
    "8.6": "Emploi-formation professionnelle",
    "8.7": "Transports",
    "8.8": "Environnement",
    "8.9": "Culture",
    "9": "Autres domaines de compétences",
    "9.1": "Autres domaines de compétences des communes",
    "9.2": "Autres domaines de compétences des départements",
    "9.3": "Autres domaines de compétences des régions",
    "9.4": "Voeux et motions",
}


def national_classification(version: dt.date = NATIONAL_VERSION) -> RetourClassification:
    """Levels 1–2 as a 7-2 value, with each nature's default typology and 99_SE (§7)."""
    natures = tuple(
        NatureEntry(
            nature.code,
            nature.label,
            nature.abbrev,
            (
                Typology(nature.default_typology.value, nature.label),
                Typology("99_SE", "Fichier de signature électronique"),
            ),
        )
        for nature in ActNature
    )
    tops = [code for code in LEVELS if "." not in code]
    matieres = tuple(
        Matiere(
            int(top),
            LEVELS[top],
            tuple(
                Matiere(int(code.split(".")[1]), label)
                for code, label in LEVELS.items()
                if code.startswith(f"{top}.")
            ),
        )
        for top in tops
    )
    return RetourClassification(version, natures, matieres)


@functools.lru_cache(maxsize=64)
def recorded_classification(raw: bytes) -> RetourClassification | None:
    """A recorded 7-2, parsed once per text (None when the text is another message): a real
    one (50 KB) takes about 6 ms, and every submission reads it twice, every packaging once,
    the simulator's préfecture once per act it checks (the messages are frozen: shared)."""
    from workflow.protocol import xml_in  # the XML reader, only for whoever reads a 7-2

    message = xml_in.parse_message(raw)
    return message if isinstance(message, RetourClassification) else None
