"""Consistency as evidence: a value that breaks a rule the act must keep is never confident.

Attendance (present + proxies = voters ≤ members in office), the vote (for + against +
abstentions (+ non-votants) = voters), the stamp (received on or after sending, the act
not dated before its session) and the identifier (a commune's SIREN names its département).
A broken rule cannot say which of its values is wrong, so every value it involves goes to
review with the rule and the values.
"""

from __future__ import annotations

from workflow.intake.reading import HEADING, INFERRED, REVIEW_BELOW, Found, Review

#: what the extractor looks for, field by field, for the review of a field it did not find
LOOKED_FOR: dict[str, str] = {
    "collectivite": "'Ville de …', 'Commune de …', 'Communauté de communes …' in the heading",
    "departement": "the IDActe's first segment, 'Département de …', a postcode",
    "siren": "the IDActe's SIREN segment, 'SIREN :', 'SIRET :'",
    "nature": "the IDActe's nature segment, then the heading's words (délibération, arrêté, "
    "convention, marché, avenant, budget)",
    "numero_printed": "'Délibération n° …', 'Arrêté n° …', 'N° :' at the start of a line",
    "objet": "'Objet :', the text after or under the number heading",
    "session_date": "'Séance du …', the registry formula 'L'an …, le …', 'Fait à …, le …' "
    "for an arrêté",
    "id_acte": "an IDActe (DDD-SIREN-YYYYMMDD-NUMBER-NN) after 'ID :', 'Identifiant Acte', "
    "'Accusé de réception', or in an ACTES file name",
    "transmission_date": "'Envoyé en préfecture le', 'Envoi Préfecture', 'Date de "
    "télétransmission', 'Transmis en préfecture le', 'Dépôt en préfecture le'",
    "reception_date": "'Reçu en préfecture le', 'Réception en Préfecture', 'Réception par le "
    "préfet', 'Date de réception préfecture', 'Date d'émission de l'accusé de réception', "
    "'Reçu le'",
    "publication_date": "'Publié le', 'Affiché le', 'Date de publication', 'Mis en ligne le' "
    "followed by a date",
    "members_in_office": "'en exercice', 'membres afférents'",
    "present": "'Présents :', 'membres présents' followed by a number",
    "proxies": "'Pouvoirs', 'Procurations', 'représentés' followed by a number, or proxies "
    "listed by name",
    "voters": "'Votants', 'qui ont pris part au vote / à la délibération', 'suffrages exprimés'",
    "vote": "'à l'unanimité', 'Pour : N', 'N voix pour, N contre, N abstentions'",
}
#: looked for in every document; a stamp's fields only once a stamp is seen
_ALWAYS = ("collectivite", "departement", "siren", "nature", "numero_printed", "objet",
           "session_date", "members_in_office", "present", "proxies", "voters", "vote")  # fmt: skip
_STAMP = ("id_acte", "transmission_date", "reception_date")


def distrust(
    fields: dict[str, Found], review: list[Review], names: tuple[str, ...], why: str
) -> None:
    """Lower each named field below the review threshold and say why."""
    for name in names:
        found = fields.get(name)
        if found is None:
            continue
        if found.confidence >= REVIEW_BELOW:
            fields[name] = Found(found.value, INFERRED, found.where, found.how)
        review[:] = [
            r for r in review if not (r.field == name and r.reason.startswith("read with"))
        ]
        review.append(Review(name, why))


def cross_check(fields: dict[str, Found], review: list[Review]) -> None:
    _proxies_by_name(fields, review)
    _attendance(fields, review)
    _vote(fields, review)
    _stamp(fields, review)


def _value(fields: dict[str, Found], name: str) -> object:
    found = fields.get(name)
    return found.value if found is not None else None


def _proxies_by_name(fields: dict[str, Found], review: list[Review]) -> None:
    present, proxies, voters = (fields.get(k) for k in ("present", "proxies", "voters"))
    if (
        present is not None and proxies is not None and voters is not None
        and proxies.confidence < REVIEW_BELOW
        and present.value + proxies.value == voters.value
    ):  # fmt: skip
        # a count of listed proxies that makes present + proxies = voters is corroborated
        fields["proxies"] = Found(
            proxies.value, HEADING, proxies.where, proxies.how + ", present + proxies = voters"
        )
        review[:] = [r for r in review if r.field != "proxies"]


def _attendance(fields: dict[str, Found], review: list[Review]) -> None:
    members, present, proxies, voters = (
        _value(fields, k) for k in ("members_in_office", "present", "proxies", "voters")
    )
    if isinstance(present, int) and isinstance(proxies, int):
        if isinstance(voters, int) and present + proxies != voters:
            distrust(fields, review, ("present", "proxies", "voters"),
                     f"present + proxies = {present} + {proxies} = {present + proxies}, "
                     f"but {voters} voters")  # fmt: skip
        if isinstance(members, int) and present + proxies > members:
            distrust(fields, review, ("present", "proxies", "members_in_office"),
                     f"present + proxies = {present + proxies} exceeds the {members} members "
                     "in office")  # fmt: skip
    for name in ("present", "voters"):
        value = _value(fields, name)
        if isinstance(value, int) and isinstance(members, int) and value > members:
            distrust(fields, review, (name, "members_in_office"),
                     f"{value} {name} exceeds the {members} members in office")  # fmt: skip
    if isinstance(present, int) and isinstance(voters, int) and present > voters:
        distrust(fields, review, ("present", "voters"),
                 f"{present} present but only {voters} voters")  # fmt: skip


def _vote(fields: dict[str, Found], review: list[Review]) -> None:
    vote = _value(fields, "vote")
    if not isinstance(vote, dict) or vote.get("unanimous") or vote.get("for") is None:
        return
    total = sum(vote.get(k) or 0 for k in ("for", "against", "abstentions", "non_voters"))
    voters, members = _value(fields, "voters"), _value(fields, "members_in_office")
    if isinstance(voters, int) and total != voters:
        parts = " + ".join(str(vote.get(k) or 0) for k in ("for", "against", "abstentions"))
        distrust(fields, review, ("vote", "voters"),
                 f"for + against + abstentions = {parts} = {total}, but {voters} voters")  # fmt: skip
    elif isinstance(members, int) and total > members:
        distrust(fields, review, ("vote",),
                 f"{total} votes counted for {members} members in office")  # fmt: skip


def _stamp(fields: dict[str, Found], review: list[Review]) -> None:
    stamp = _value(fields, "printed_ar")
    if isinstance(stamp, dict) and not stamp.get("valid", True):
        why = f"the printed identifier is malformed: {stamp['why']}"
        review.append(Review("printed_ar", why))
        if "id_acte" in fields:
            distrust(fields, review, ("id_acte",),
                     f"{why}; suggested reading {fields['id_acte'].value} ({fields['id_acte'].how})")  # fmt: skip
        else:
            review.append(Review("id_acte", f"{why}: printed {stamp['id_as_printed']!r}"))
    elif isinstance(stamp, dict) and stamp.get("why"):
        distrust(fields, review, ("id_acte",), str(stamp["why"]))
    sent, received = _value(fields, "transmission_date"), _value(fields, "reception_date")
    if sent is not None and received is not None and received < sent:  # type: ignore[operator]
        distrust(fields, review, ("transmission_date", "reception_date"),
                 f"received on {received}, before it was sent on {sent}")  # fmt: skip
    id_date, session = _value(fields, "id_date"), _value(fields, "session_date")
    if id_date is not None and session is not None and id_date < session:  # type: ignore[operator]
        distrust(fields, review, ("session_date",),
                 f"the identifier dates the act {id_date}, before its session on {session}")  # fmt: skip


def looked_for(fields: dict[str, Found], review: list[Review]) -> None:
    """Every field looked for and not found, with what was looked for."""
    reviewed = {r.field for r in review}
    stamped = "printed_ar" in fields or any(k in fields for k in _STAMP)
    for name in (*_ALWAYS, *(_STAMP if stamped else ())):
        if name not in fields and name not in reviewed:
            review.append(Review(name, f"not found in the document; looked for {LOOKED_FOR[name]}"))
