"""Event reasons are kept untranslated (msgid and parameters) and translated when shown: a
clerk reads French, an operator English; rows written before are shown as written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite
from workflow.i18n import N_
from workflow.lifecycle import ActState
from workflow.store import NewAct

NOW = dt.datetime(2022, 10, 18, 9, tzinfo=dt.UTC)
DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@x.fr"]}
)


def test_reasons_are_kept_untranslated_and_old_rows_stay_readable(
    database_url: str, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    new = NewAct(
        "212801344", "k", "DEL1", "DEL1", dt.date(2022, 10, 13), "DE", "8.1",
        dt.date(2019, 3, 1), "Objet", ((pdf_factory(), None),),
    )  # fmt: skip
    act, _ = store.create_act(new, at=NOW, actor="test")
    store.transition(
        act.id,
        ActState.PACKAGED,
        actor="test",
        reason=N_("archive {name}", name="/srv/actes/outbox/SLO-EACT--1.tar.gz"),
        at=NOW,
    )
    store.transition(act.id, ActState.SUBMITTING, actor="test", reason="free text", at=NOW)
    with engine.begin() as connection:  # a row as the service wrote it before 0011
        connection.execute(
            text(
                "INSERT INTO events (act_id, at, actor, event, from_state, to_state, reason) "
                "VALUES (:a, :t, 'old', 'received', NULL, 'received', 'act received')"
            ),
            {"a": act.id, "t": NOW},
        )
    received, packaged, sending, old = store.events(act.id)
    assert received.reason == "act received" and received.message is not None
    assert (
        received.reason_text("fr") == "acte reçu" and received.reason_text("en") == "act received"
    )
    # the English text is kept beside the message (logs, audit, older readers)
    assert packaged.reason == "archive /srv/actes/outbox/SLO-EACT--1.tar.gz"
    assert packaged.reason_text("fr") == "archive SLO-EACT--1.tar.gz"  # no server path shown
    assert sending.message is None and sending.reason_text("fr") == "free text"
    assert old.message is None and old.reason_text("fr") == "acte reçu"
    store.close()
