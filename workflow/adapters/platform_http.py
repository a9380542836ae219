"""HTTP adapter of the transmission platform port, with requests (PROTOCOL.md §6).

The one boundary where foreign errors become ours (STYLE.md #4): timeouts, connection errors
and 5xx → :class:`TransientError` (retry); ``KO`` replies and 4xx → :class:`Rejected` with the
platform's message verbatim; a redirect or an HTML page where the API answers text →
:class:`PlatformAccessRefused` (certificate, login or rights: never retried). Timeouts are
always set; TLS verification is always on (a CA file may be configured); mutual TLS with a
client certificate. Every call carries ``api=1``; requests are ISO-8859-1, as S²LOW reads
them (:mod:`workflow.adapters.s2low_wire`); replies are ISO-8859-1. Every call yields an
:class:`~workflow.platform.Attempt` for the audit trail.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path
from typing import Any

import requests

from workflow.adapters.logs import get_logger
from workflow.adapters.platform_replies import (
    ACCESS_CAUSE,
    ACCESS_MESSAGES,
    binary,
    check_status,
    confirm_outcome,
    excerpt,
    ok_lines,
    read_json,
    reference_of,
)
from workflow.adapters.s2low_wire import (
    CONFIRM_RETURN,
    GZIP_MAGIC,
    LIVE_STATUSES,
    NO_FILES_YET,
    PDF_MAGIC,
    FilePart,
    multipart,
    split_status_body,
)
from workflow.adapters.upload import MultipartBody, streamed_form
from workflow.errors import ActesError, PlatformAccessRefused, Rejected, TransientError
from workflow.identifiers import ascii_digits
from workflow.platform import (
    Attempt,
    ConnectionInfo,
    FormSubmission,
    ListedTransaction,
    ListingWindow,
    PlatformConfig,
    PlatformFile,
    PlatformStatus,
    PrefectureDocument,
    StatusReport,
    SubmitResult,
    TransactionDetails,
)
from workflow.protocol import messages as m
from workflow.protocol import xml_in

_ACTES = "/modules/actes"
_log = get_logger("actes.platform")


class HttpPlatform:
    """A :class:`~workflow.platform.TransmissionPlatform` over HTTP(S)."""

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        # redirects are answers, never followed: and a Location S²LOW fills raw may not even
        # be UTF-8, which requests would fail to decode while looking for the next hop
        setattr(self._session, "get_redirect_target", lambda response: None)  # noqa: B010
        # the environment (proxies, CA bundle) read once for the platform, not at every call
        self._session.proxies = requests.utils.get_environ_proxies(config.base_url)
        self._session.trust_env = False
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._verify: str | bool = str(config.ca_file) if config.ca_file else bundle or True
        if config.client_cert:
            self._session.cert = (
                (str(config.client_cert), str(config.client_key))
                if config.client_key
                else str(config.client_cert)
            )
        if config.login and config.password:
            self._session.auth = (config.login, config.password.reveal().decode("utf-8"))
        self.attempts: list[Attempt] = []

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpPlatform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        form: tuple[bytes | MultipartBody, str] | None = None,
        download: bool = False,
    ) -> tuple[requests.Response, Attempt]:
        """One request with ``api=1`` in the query string (and in the form, when there is
        one: S²LOW reads POST first). Redirects are never followed: they are answers."""
        url = self.config.base_url.rstrip("/") + path
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        query = {"api": "1", **(params or {})}
        headers = {"Content-Type": form[1]} if form else None
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=query,
                data=form[0] if form else None,
                headers=headers,
                timeout=timeout,
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            self._record(path, started, None, "", f"timeout: {exc}")
            raise TransientError(
                f"{path}: the platform did not answer in time", field="platform"
            ) from exc
        except requests.ConnectionError as exc:
            self._record(path, started, None, "", f"connection error: {exc}")
            raise TransientError(
                f"{path}: cannot reach the platform ({type(exc).__name__})", field="platform"
            ) from exc
        except requests.RequestException as exc:
            self._record(path, started, None, "", f"request error: {exc}")
            raise TransientError(f"{path}: request failed ({exc})", field="platform") from exc
        finally:
            if form and isinstance(form[0], MultipartBody):
                form[0].close()  # a body cut off mid-file leaves no file open
        text = excerpt(response)
        attempt = self._record(path, started, response.status_code, text, None)
        _log.info(
            "platform_call",
            method=method,
            endpoint=path,
            http_status=response.status_code,
            duration_ms=attempt.duration_ms,
            platform_ref=reference_of(params),
        )
        check_status(response, path, text, download=download)
        return response, attempt

    def _record(
        self, path: str, started: float, status: int | None, excerpt: str, error: str | None
    ) -> Attempt:
        attempt = Attempt(path, int((time.monotonic() - started) * 1000), status, excerpt, error)
        self.attempts.append(attempt)
        if error is not None:
            _log.warning(
                "platform_call", endpoint=path, duration_ms=attempt.duration_ms, error=error[:300]
            )
        return attempt

    def test_connection(self) -> bool:
        response, _ = self._call("GET", "/api/test-connexion.php")
        return response.content.strip().startswith(b"OK")

    def connection_info(self) -> ConnectionInfo:
        """The account and collectivité the platform sees behind this certificate (and login)."""
        path = "/api/info-connexion.php"
        response, _ = self._call("GET", path)
        data = read_json(response, path)
        user = data.get("user_info") or {}
        authority = data.get("authority_info") or {}
        siren = authority.get("siren") or user.get("siren")
        return ConnectionInfo(
            login=str(user.get("login", "")),
            user_name=" ".join(str(user.get(k, "")) for k in ("givenname", "name")).strip(),
            authority_id=str(authority.get("id", user.get("authority_id", ""))),
            authority_name=str(authority.get("name", "")),
            siren=str(siren) if siren else None,
            department=str(authority.get("department") or ""),
            raw=data,
        )

    def submit_archive(self, archive: Path) -> SubmitResult:
        """Archive mode, for a pre-6.0 platform only (``actes_transac_submit.php``)."""
        path = f"{_ACTES}/actes_transac_submit.php"
        body = streamed_form(
            [("api", "1")], [FilePart("enveloppe", archive.name, archive, "application/x-gzip")]
        )
        response, attempt = self._call("POST", path, form=body)
        lines = [line for line in ok_lines(response, path) if line.strip()]
        # OK\n<n>\n<id1>… : one act per archive here
        return SubmitResult(lines[-1].strip(), attempt)

    def submit_form(self, form: FormSubmission) -> SubmitResult:
        """Form mode (``actes_transac_create.php``): fields and file names in ISO-8859-1, one
        signature part per annex (empty when unsigned) so that signatures stay aligned."""
        path = f"{_ACTES}/actes_transac_create.php"
        fields = [
            ("api", "1"),
            ("nature_code", str(form.nature_code)),
            ("number", form.number),
            ("decision_date", form.decision_date),
            ("subject", form.subject),
            ("document_papier", "1" if form.document_papier else "0"),
            ("type_acte", form.document_typology),
        ]
        fields += [(f"classif{i}", str(code)) for i, code in enumerate(form.classification, 1)]
        if form.siren:
            fields.append(("siren", form.siren))  # ignored by S²LOW, checked by the simulator
        fields += [("type_pj[]", typology) for _, typology in form.annexes]
        files = [FilePart("acte_pdf_file", form.document.name, form.document)]  # read by chunks
        if form.document_signature:
            files.append(FilePart("acte_pdf_file_sign", "signature.p7s", form.document_signature))
        files += [FilePart("acte_attachments[]", p.name, p) for p, _ in form.annexes]
        signatures = list(form.annexe_signatures) + [None] * len(form.annexes)
        if any(signatures):
            files += [
                FilePart("acte_attachments_sign[]", "signature.p7s" if s else "", s or b"")
                for s in signatures[: len(form.annexes)]
            ]
        response, attempt = self._call("POST", path, form=streamed_form(fields, files))
        lines = ok_lines(response, path)
        return SubmitResult(lines[0].strip(), attempt)

    def get_status(self, transaction_id: str, *, by_id_acte: bool = False) -> StatusReport:
        """The status (and the ARActe on 4, the anomaly and the message on −1) of a
        transaction, given by its id, or with ``by_id_acte`` by the act's IDActe."""
        path = f"{_ACTES}/actes_transac_get_status.php"
        key = "unique_id" if by_id_acte else "transaction"
        response, attempt = self._call("GET", path, params={key: transaction_id})
        lines = ok_lines(response, path)
        try:
            status = PlatformStatus(int(lines[0].strip()))
        except (ValueError, IndexError) as exc:
            raise TransientError(f"{path}: no status in {lines[:1]!r}", field="platform") from exc
        xml, message = split_status_body("\n".join(lines[1:]))
        raw = xml.encode("iso-8859-1") if xml else None
        if status is PlatformStatus.ERREUR:
            return StatusReport(transaction_id, status, raw, message, attempt)
        return StatusReport(transaction_id, status, raw, None, attempt)

    def get_ar_acte(self, transaction_id: str) -> bytes:
        """The ARActe of an act whatever its current status (S²LOW ≥ 5.0.47)."""
        path = f"{_ACTES}/actes_transac_get_ARActe.php"
        response, _ = self._call("GET", path, params={"id": transaction_id})
        if response.content.startswith(b"KO"):
            ok_lines(response, path)
        if b"ARActe" not in response.content[:2048]:
            raise Rejected(
                f"{path}: no ARActe for transaction {transaction_id}",
                field="platform",
                value=response.content[:80],
            )
        return response.content

    def confirm(self, transaction_id: str) -> None:
        """Move a transaction parked in 17 to 1 (``actes_transac_post_confirm_api.php``): the
        answer is a redirect to ``url_return`` with ``%%ERROR%%`` and ``%%MESSAGE%%`` filled."""
        path = f"{_ACTES}/actes_transac_post_confirm_api.php"
        params = {"id": transaction_id, "url_return": CONFIRM_RETURN}
        url = self.config.base_url.rstrip("/") + path
        started = time.monotonic()
        try:
            response = self._session.get(
                url,
                params={"api": "1", **params},
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._record(path, started, None, "", f"request error: {exc}")
            raise TransientError(f"{path}: request failed ({exc})", field="platform") from exc
        raw_location = response.headers.get("Location", "").strip()
        location = raw_location.encode("latin-1", "replace").decode("utf-8", "replace")
        self._record(path, started, response.status_code, location or excerpt(response), None)
        if response.status_code >= 500:
            raise TransientError(f"{path}: HTTP {response.status_code}", field="platform")
        if not location.startswith(CONFIRM_RETURN.split("?")[0]):
            raise PlatformAccessRefused(
                f"{path}: no return to {CONFIRM_RETURN.split('?')[0]}: {ACCESS_CAUSE}",
                field="platform",
                value=location or response.status_code,
            )
        error, message = confirm_outcome(location)
        if error and any(known in message for known in ACCESS_MESSAGES):
            raise PlatformAccessRefused(f"{path}: {message}: {ACCESS_CAUSE}", field="platform")
        if error:
            raise Rejected(message or "confirmation refused", field="platform", rule=path)

    def list_transactions(
        self,
        status: PlatformStatus,
        *,
        offset: int = 0,
        limit: int = 100,
        window: ListingWindow | None = None,
    ) -> list[ListedTransaction]:
        path = f"{_ACTES}/api/list_actes.php"
        params: dict[str, Any] = {"status_id": int(status), "offset": offset, "limit": limit}
        if window is not None:
            if window.type_acte is not None:
                params["type_acte"] = window.type_acte
            if window.min_date is not None:
                params["min_date"] = window.min_date.isoformat()
            if window.max_date is not None:
                params["max_date"] = window.max_date.isoformat()
        response, _ = self._call("GET", path, params=params)
        data = read_json(response, path)
        return [
            ListedTransaction(
                str(t["id"]),
                str(t.get("number", "")),
                str(t.get("subject", "")),
                str(t.get("date", "")),
                status,
                str(t.get("type", "")),
            )
            for t in data.get("transactions", [])
        ]

    def iter_transactions(
        self, status: PlatformStatus, *, page: int = 100, window: ListingWindow | None = None
    ) -> list[ListedTransaction]:
        """Every transaction in ``status`` (within ``window``), page by page."""
        found: list[ListedTransaction] = []
        offset = 0
        while True:
            batch = self.list_transactions(status, offset=offset, limit=page, window=window)
            found.extend(batch)
            if len(batch) < page:
                return found
            offset += page

    def find_candidates(self, number: str) -> list[ListedTransaction]:
        """Every act transaction (type 1) listed with this number, in any live status.

        The listing carries no SIREN: a candidate proves nothing until
        :meth:`transaction_details` shows whose it is (workflow.recovery)."""
        # every type listed (S²LOW's type_acte is a nature): a cancellation shares the number
        found: dict[str, ListedTransaction] = {}  # one moving between listings is seen twice
        for status in LIVE_STATUSES:
            for listed in self.iter_transactions(status):
                if listed.type == "1" and listed.number == number:
                    found.setdefault(listed.id, listed)
        return list(found.values())

    def transaction_details(self, transaction_id: str) -> TransactionDetails:
        """The transaction's status, its IDActe (from its ARActe) and its 1-1 file name (the
        files list, which S²LOW gives once the transaction has left statuses 1–3)."""
        report = self.get_status(transaction_id)
        id_acte = None
        if report.message_xml is not None:
            try:
                message = xml_in.parse_message(report.message_xml, source="get_status")
            except ActesError:
                message = None
            if isinstance(message, m.ARActe):
                id_acte = message.id_acte
        message_name = None
        if report.status not in NO_FILES_YET:
            try:
                listed = self.files(transaction_id)
            except Rejected:
                listed = []
            message_name = listed[0].name if listed else None
        return TransactionDetails(transaction_id, report.status, id_acte, message_name)

    def list_prefecture_documents(self) -> list[PrefectureDocument]:
        path = f"{_ACTES}/api/list_document_prefecture.php"
        response, _ = self._call("GET", path)
        return [
            PrefectureDocument(
                str(d["id"]),
                int(d["type"]),
                str(d["related_transaction_id"]),
                str(d.get("number", "")),
                d.get("unique_id"),
                int(d.get("last_status_id", 0)),
            )
            for d in read_json(response, path)
        ]

    def mark_document_read(self, transaction_id: str) -> None:
        path = f"{_ACTES}/api/document_prefecture_mark_as_read.php"
        response, _ = self._call("GET", path, params={"transaction_id": transaction_id})
        if read_json(response, path).get("result") != "ok":
            raise Rejected(f"{path}: not marked as read", field="platform")

    def download_message_archive(self, transaction_id: str) -> bytes:
        path = f"{_ACTES}/actes_transac_get_document.php"
        response, _ = self._call("GET", path, params={"id": transaction_id}, download=True)
        return binary(response, path, GZIP_MAGIC, "gzip archive")

    def cancel(self, transaction_id: str) -> str:
        path = f"{_ACTES}/actes_transac_cancel.php"
        body = multipart([("api", "1"), ("id", transaction_id)], [])
        response, _ = self._call("POST", path, form=body)
        return ok_lines(response, path)[0].strip()

    def reply(
        self,
        message_id: str,
        answer_type: int,
        document: Path | None = None,
        attachments: tuple[tuple[Path, str], ...] = (),
        typology: str = "99_AU",
    ) -> str:
        """Answer a préfecture message (2-1, 3-1, 4-1): ``answer_type`` 3 refuses, 4 sends
        (ignored for a courrier simple). S²LOW requires ``type_acte`` and a file, refusals
        included. ``api=1`` goes in the query string; the reply is ``OK : id généré : <id>``."""
        path = f"{_ACTES}/actes_transac_reponse_create.php"
        if document is None:
            raise Rejected(
                f"{path}: an answer carries a document, a refusal included",
                field="document",
                rule="a document in every answer (the message's XSD requires it)",
            )
        fields = [("id", message_id), ("type_envoie", str(answer_type)), ("type_acte", typology)]
        fields += [("type_pj[]", t) for _, t in attachments]
        files = [FilePart("acte_pdf_file", document.name, document, "application/pdf")]
        files += [
            FilePart("acte_attachments[]", p.name, p, "application/pdf") for p, _ in attachments
        ]
        response, _ = self._call("POST", path, form=streamed_form(fields, files))
        rest = ok_lines(response, path)  # KO → Rejected with the platform's words
        head = response.content.decode("iso-8859-1").splitlines()[0]
        match = re.search(r"id g\S*n\S*r\S*\s*:\s*(\S+)", head)
        if match is not None:  # api in the query string: "OK : id généré : <id>"
            return match.group(1)
        if head.strip() == "OK" and rest and ascii_digits(rest[0].strip()):
            return rest[0].strip()  # api read from the POST body: "OK\n<id>"
        raise TransientError(
            f"{path}: unexpected reply {head!r}", field="platform", rule="OK : id généré : <id>"
        )

    def request_classification(self) -> str:
        """Ask the préfecture for its current classification (7-1); it arrives as a 7-2."""
        path = f"{_ACTES}/actes_classification_request.php"
        response, _ = self._call("POST", path, form=multipart([("api", "1")], []))
        return ok_lines(response, path)[0].strip()

    def files(self, transaction_id: str) -> list[PlatformFile]:
        path = f"{_ACTES}/actes_transac_get_files_list.php"
        response, _ = self._call("GET", path, params={"transaction": transaction_id})
        if response.content.startswith(b"KO"):
            ok_lines(response, path)
        return [
            PlatformFile(
                str(f["id"]), f["name"], f["mimetype"], int(f["size"]), f.get("code_pj") or None
            )
            for f in read_json(response, path)
        ]

    def download_file(
        self,
        file_id: str,
        *,
        stamp: bool = False,
        published_on: dt.date | None = None,
    ) -> bytes:
        """One file; with ``stamp``, the act bearing the préfecture's stamp (and
        ``published_on`` printed on it), as the collectivité publishes it. The caller checks
        the stamp is there: S²LOW sends the unstamped PDF when stamping fails."""
        path = f"{_ACTES}/actes_download_file.php"
        params: dict[str, str] = {"file": file_id}
        if stamp:
            params["tampon"] = "true"
            if published_on is not None:
                params["date_affichage"] = published_on.isoformat()
        response, _ = self._call("GET", path, params=params, download=True)
        if stamp:
            return binary(response, path, PDF_MAGIC, "PDF")
        if response.content.startswith(b"KO"):
            ok_lines(response, path)
        return response.content

    def bordereau(self, transaction_id: str) -> bytes:
        """The bordereau d'acquittement (PDF) of an acknowledged act."""
        path = f"{_ACTES}/actes_create_pdf.php"
        response, _ = self._call("GET", path, params={"trans_id": transaction_id}, download=True)
        return binary(response, path, PDF_MAGIC, "PDF")

    def fetch_classification(self) -> bytes:
        path = f"{_ACTES}/actes_classification_fetch.php"
        response, _ = self._call("GET", path)
        if response.content.startswith(b"KO"):
            ok_lines(response, path)
        return response.content
