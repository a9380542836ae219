"""An act's history for people: each event of the lifecycle named in their language (from the
catalogs), next to the stable event code the store keeps."""

from __future__ import annotations

from workflow.i18n import _


def event_label(event: str, locale: str | None = None) -> str:
    """The event's name for people (``platform_refused`` → « refusé par la plateforme »);
    an event this version does not know is shown by its code."""
    labels = {
        "received": _("act received", locale=locale),
        "packaged": _("prepared and signed", locale=locale),
        "packaging_failed": _("preparation failed", locale=locale),
        "acknowledged_before_intake": _("acknowledged before intake", locale=locale),
        "submission_started": _("sending to the platform", locale=locale),
        "submission_failed": _("sending failed", locale=locale),
        "platform_accepted": _("accepted by the platform", locale=locale),
        "platform_refused": _("refused by the platform", locale=locale),
        "transmitted_to_prefecture": _("transmitted to the préfecture", locale=locale),
        "acknowledged": _("accusé de réception received", locale=locale),
        "anomaly": _("anomaly reported", locale=locale),
        "cancellation_requested": _("cancellation requested", locale=locale),
        "cancellation_acknowledged": _("cancellation acknowledged", locale=locale),
        "cancellation_refused": _("cancellation refused", locale=locale),
        "retried_by_a_person": _("sent again by a person", locale=locale),
        "replaced": _("replaced by a corrected act", locale=locale),
    }
    return labels.get(event, event)
