"""Message values for tests: one fixed example of every message, and Hypothesis strategies."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from workflow.identifiers import ActNature, Classification
from workflow.protocol import messages as m

ID = "028-212801344-20221018-DEL2022_148-DE"
DAY = dt.date(2022, 10, 18)
DOC = m.SignedFile("99_DE-028-212801344-20221018-DEL2022_148-DE-2-2_1.pdf")


def acte_data(**changes: object) -> m.ActeData:
    values: dict[str, object] = {
        "date": DAY,
        "numero": "DEL2022_148",
        "nature": ActNature.DE,
        "classification": Classification((8, 1)),
        "objet": "Espace Numérique de Travail primOT",
        "classification_date": dt.date(2022, 1, 1),
        "document": m.SignedFile("99_DE-028-212801344-20221018-DEL2022_148-DE-1-1_1.pdf"),
        "annexes": (
            m.SignedFile(
                "99_AU-028-212801344-20221018-DEL2022_148-DE-1-1_2.pdf",
                "-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----",
            ),
        ),
        "document_papier": False,
        "document_papier_raw": "N",
    }
    values.update(changes)
    return m.ActeData(**values)  # type: ignore[arg-type]


def envelope() -> m.EnveloppeCLMISILL:
    return m.EnveloppeCLMISILL(
        "212801344",
        "028",
        1,
        "31",
        ("actes@ville-dreux.fr",),
        (m.SignedFile("a_0.xml"),),
        m.Referent("Service", None, "s@ville-dreux.fr"),
    )


def every_message() -> list[m.Message]:
    """One value of every message and envelope type."""
    c = {"id_acte": ID, "date_courrier_pref": DAY}
    return [
        m.Acte(acte_data()),
        m.ARActe(ID, DAY, acte_data(), dt.date(2022, 1, 1)),
        m.AnomalieActe(DAY, "042", "Classification inconnue", acte_data(), dt.date(2022, 1, 1)),
        m.CourrierSimple(**c, document=DOC),
        m.ReponseCourrierSimple(**c, document=DOC),
        m.DemandePieceComplementaire(**c, description_pieces="Le rapport", document=DOC),
        m.ARDemandePieceComplementaire(**c),
        m.RefusPieceComplementaire(**c, document=DOC),
        m.PieceComplementaire(**c, documents=(DOC, m.SignedFile("x_2.pdf"))),
        m.ARPieceComplementaire(DAY, ID, DAY),
        m.LettreObservations(**c, motif="Incompétence", document=DOC),
        m.ARLettreObservations(**c),
        m.RejetLettreObservations(**c, document=DOC),
        m.ReponseLettreObservations(**c, document=DOC),
        m.ARReponseRejetLettreObservations(DAY, ID, DAY),
        m.DefereTA(ID, DAY, "Vice de procédure", (DOC,)),
        m.Annulation(ID),
        m.ARAnnulation(ID, DAY),
        m.DemandeClassification(dt.date(2019, 3, 1)),
        m.DemandeClassification(None),
        m.RetourClassification(
            dt.date(2019, 3, 1),
            (m.NatureEntry(1, "Délibérations", "DE", (m.Typology("99_DE", "Délibération"),)),),
            (
                m.Matiere(
                    8,
                    "Domaines de compétences par thèmes",
                    (m.Matiere(1, "Enseignement", (m.Matiere(2, "Écoles"),)),),
                ),
            ),
        ),
        m.ReponseClassificationSansChangement(dt.date(2019, 3, 1)),
        envelope(),
        m.EnveloppeMISILLCL(
            m.EmetteurKind.SOUS_PREFECTURE, "028", 2, "212801344", (m.SignedFile("a_0.xml"),)
        ),
        m.EnveloppeMISILLCL(
            m.EmetteurKind.PREFECTURE,
            "028",
            None,
            "212801344",
            (m.SignedFile("a_0.xml"),),
            m.Referent("Pref"),
        ),
        m.AnomalieEnveloppe(DAY, "005", "PREF-VERIF-02 : SIREN inconnu", envelope()),
    ]


latin1_text = (
    st.text(
        st.characters(
            min_codepoint=32,
            max_codepoint=255,
            exclude_characters="\x7f\xa0",
            exclude_categories=["Cc"],
        ),
        min_size=1,
        max_size=120,
    )
    .map(str.strip)
    .filter(bool)
)

acte_datas = st.builds(
    acte_data,
    numero=st.from_regex(r"\A[A-Z0-9][A-Z0-9_\-]{0,13}[A-Z0-9]\Z"),
    nature=st.sampled_from(list(ActNature)),
    classification=st.lists(st.integers(1, 99), min_size=2, max_size=5).map(
        lambda v: Classification(tuple(v))
    ),
    objet=latin1_text,
    date=st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)),
    annexes=st.lists(
        st.builds(m.SignedFile, st.from_regex(r"\A[a-z0-9_]{1,20}\.pdf\Z")), max_size=3
    ).map(tuple),
    document_papier=st.booleans(),
).map(
    lambda d: m.ActeData(
        **{
            **{f: getattr(d, f) for f in m.ActeData.__slots__},
            "document_papier_raw": "O" if d.document_papier else "N",
        }
    )
)  # type: ignore[arg-type]
