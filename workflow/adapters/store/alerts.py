"""The store: which alerts were sent (each alert goes out once per channel)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from workflow.adapters.store.base import StoreBase
from workflow.adapters.store.models import AlertSentRow


class AlertsStore(StoreBase):
    def alert_sent(self, key: tuple[int, str, dt.date, int], channel: str) -> bool:
        act_id, kind, due, horizon = key
        with self._session() as session:
            found = session.scalar(
                select(AlertSentRow.id).where(
                    AlertSentRow.act_id == act_id,
                    AlertSentRow.kind == kind,
                    AlertSentRow.due == due,
                    AlertSentRow.horizon_days == horizon,
                    AlertSentRow.channel == channel,
                )
            )
            return found is not None

    def record_alert(
        self, key: tuple[int, str, dt.date, int], channel: str, *, at: dt.datetime
    ) -> None:
        act_id, kind, due, horizon = key
        with self._session() as session:
            session.add(
                AlertSentRow(
                    act_id=act_id,
                    kind=kind,
                    due=due,
                    horizon_days=horizon,
                    channel=channel,
                    sent_at=at,
                )
            )
