"""Real protocol samples parse to the right type; what we emit validates against the ministry XSD.

Both use ../shared (skipped when it is absent): the samples come from S²LOW, Pastell, STELA and
web-delib test fixtures; the official XSD is the conformance oracle (DESIGN.md "Boundaries").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from tests.strategies import every_message
from workflow.errors import InvalidMessage
from workflow.protocol import messages as m
from workflow.protocol import schemas, xml_in, xml_out

pytestmark = pytest.mark.shared

EXPECTED_TYPES = {
    "1-1-acte": m.Acte,
    "1-2-ar": m.ARActe,
    "1-3-anomalie-acte": m.AnomalieActe,
    "2-1-courrier-simple": m.CourrierSimple,
    "5-1-defere": m.DefereTA,
    "6-2-ar-annulation": m.ARAnnulation,
    "7-2-classification": m.RetourClassification,
    "anomalie-enveloppe": m.AnomalieEnveloppe,
}


def _samples(shared: Path) -> list[Path]:
    return sorted((shared / "reference" / "samples").glob("*/*.xml"))


def test_every_sample_parses_to_its_type(shared_dir: Path) -> None:
    samples = _samples(shared_dir)
    assert len(samples) == 38
    for path in samples:
        if path.name == "ar-actes.xml":
            continue  # the negative sample, below
        message = xml_in.parse_message(path.read_bytes(), source=path.name)
        folder = path.parent.name
        if folder in EXPECTED_TYPES:
            assert isinstance(message, EXPECTED_TYPES[folder]), path.name
        elif folder == "enveloppes":
            assert isinstance(message, m.EnveloppeCLMISILL | m.EnveloppeMISILLCL), path.name
        else:
            assert isinstance(message, m.RefusPieceComplementaire | m.PieceComplementaire), (
                path.name
            )


def test_key_fields_of_samples(shared_dir: Path) -> None:
    base = shared_dir / "reference" / "samples"

    def read(relative: str) -> m.Message:
        return xml_in.parse_message((base / relative).read_bytes())

    ar = read("1-2-ar/034-491011698-20171207-CL20171227_06-DE-1-2.xml")
    assert isinstance(ar, m.ARActe)
    assert (ar.id_acte, ar.date_reception) == (
        "034-491011698-20171207-CL20171227_06-DE",
        dt.date(2017, 12, 27),
    )
    assert ar.id_acte_parsed.numero == "CL20171227_06"
    stela = read("1-2-ar/006-210600235-20180522-684-AI-1-2_5279.xml")
    assert isinstance(stela, m.ARActe)
    assert stela.acte_recu is not None
    assert stela.acte_recu.objet == "Contrat à durée déterminée - Jean Dupont"
    assert stela.acte_recu.document_papier_raw == "0"
    assert stela.acte_recu.document_papier is False
    anomaly = read("1-3-anomalie-acte/044-214400152----1-3_1.xml")
    assert isinstance(anomaly, m.AnomalieActe)
    assert anomaly.nature == "002"
    assert anomaly.acte_recu is not None
    assert len(anomaly.acte_recu.classification.levels) == 4  # CodeMatiere5 right after 3
    bad_nature = read(
        "1-3-anomalie-acte/test-message-anomalie-avec-erreur-mal-presentee__034-000000000-20170701-20170721D-AI-1-3_0.xml"
    )
    assert isinstance(bad_nature, m.AnomalieActe)
    assert bad_nature.nature == "ERREUR2"
    envelope_anomaly = read("anomalie-enveloppe/ANO_EACT--214400152--20180925-1.xml")
    assert isinstance(envelope_anomaly, m.AnomalieEnveloppe)
    assert envelope_anomaly.nature == "999"
    assert envelope_anomaly.enveloppe_recue is not None
    assert envelope_anomaly.enveloppe_recue.siren == "214400152"
    defere = read("5-1-defere/034-000000000-20170701-20170725A-AI-5-1_0.xml")
    assert isinstance(defere, m.DefereTA)
    assert (defere.date_depot, defere.nature_illegalite) == (dt.date(2017, 7, 1), "NATURE_TEST")
    classification = read("7-2-classification/999-1234----7-2_1.xml")
    assert isinstance(classification, m.RetourClassification)
    assert classification.date_classification == dt.date(2019, 4, 18)
    assert classification.flatten()["8.1"].startswith("Enseignement")
    assert any(t.code == "99_SE" for n in classification.natures for t in n.typologies)
    utf8 = read("7-2-classification/exemple_codes_matieres.xml")
    assert isinstance(utf8, m.RetourClassification)
    mi = read("enveloppes/EACT--SPREF0441-214400152-20181012-9.xml")
    assert isinstance(mi, m.EnveloppeMISILLCL)
    assert (mi.emetteur, mi.arrondissement, mi.destinataire_siren) == (
        m.EmetteurKind.SOUS_PREFECTURE,
        1,
        "214400152",
    )
    pieces = read("3-x-pieces-complementaires/001-000000000-20170130-TEST42-DE-3-4_0.xml")
    assert isinstance(pieces, m.PieceComplementaire)
    assert len(pieces.documents) == 2


def test_negative_sample_is_refused_with_the_reason(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "samples" / "1-2-ar" / "ar-actes.xml"
    with pytest.raises(InvalidMessage, match="exactly one ActeRecu"):
        xml_in.parse_message(path.read_bytes())


def _official(shared: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(
        etree.parse(str(shared / "reference" / "actes-xsd" / "actesv1_1.xsd"), parser=parser)
    )


@pytest.mark.parametrize("message", every_message(), ids=lambda msg: msg.code.value)
def test_what_we_emit_validates_against_both_schemas(shared_dir: Path, message: m.Message) -> None:
    data = xml_out.to_xml(message)
    schemas.validate(data)
    official = _official(shared_dir)
    assert official.validate(etree.fromstring(data)), official.error_log
