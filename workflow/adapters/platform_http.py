"""HTTP adapter of the transmission platform port, with requests (PROTOCOL.md §6).

The one boundary where foreign errors become ours (STYLE.md #4): timeouts, connection errors
and 5xx → :class:`TransientError` (retry); ``KO`` replies and 4xx → :class:`Rejected` with the
platform's message verbatim. Timeouts are always set; TLS verification is always on (a CA
file may be configured); mutual TLS with a client certificate. Replies are ISO-8859-1.
Every call yields an :class:`~workflow.platform.Attempt` for the audit trail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

import requests

from workflow.errors import Rejected, SecurityError, TransientError
from workflow.platform import (
    Attempt,
    FormSubmission,
    ListedTransaction,
    PlatformConfig,
    PlatformFile,
    PlatformStatus,
    PrefectureDocument,
    StatusReport,
    SubmitResult,
)

EXCERPT_LIMIT = 2048
_ACTES = "/modules/actes"
#: statuses where a transmitted act can be found again by its number (lost-reply check)
_LIVE_STATUSES = (
    PlatformStatus.POSTE,
    PlatformStatus.EN_ATTENTE_DE_TRANSMISSION,
    PlatformStatus.TRANSMIS,
    PlatformStatus.ACQUITTEMENT_RECU,
    PlatformStatus.ERREUR,
    PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE,
    PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE,
)


def _excerpt(response: requests.Response) -> str:
    """A bounded, printable excerpt for the audit trail (a downloaded archive is summarised)."""
    head = response.content[:EXCERPT_LIMIT]
    if b"\x00" in head or response.content[:2] == b"\x1f\x8b":
        kind = response.headers.get("Content-Type", "binary")
        return f"<{len(response.content)} bytes of {kind}>"
    return head.decode("iso-8859-1", errors="replace")


class HttpPlatform:
    """A :class:`~workflow.platform.TransmissionPlatform` over HTTP(S)."""

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        # given on every request: a session-level value loses to REQUESTS_CA_BUNDLE (requests#3829)
        self._verify: str | bool = str(config.ca_file) if config.ca_file else True
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

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[requests.Response, Attempt]:
        url = self.config.base_url.rstrip("/") + path
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        started = time.monotonic()
        try:
            response = self._session.request(
                method, url, timeout=timeout, verify=self._verify, **kwargs
            )
        except requests.Timeout as exc:
            attempt = self._record(path, started, None, "", f"timeout: {exc}")
            raise TransientError(
                f"{path}: the platform did not answer in time", field="platform"
            ) from exc
        except requests.ConnectionError as exc:
            attempt = self._record(path, started, None, "", f"connection error: {exc}")
            raise TransientError(
                f"{path}: cannot reach the platform ({type(exc).__name__})", field="platform"
            ) from exc
        except requests.RequestException as exc:
            self._record(path, started, None, "", f"request error: {exc}")
            raise TransientError(f"{path}: request failed ({exc})", field="platform") from exc
        text = _excerpt(response)
        attempt = self._record(path, started, response.status_code, text, None)
        if response.status_code >= 500:
            raise TransientError(
                f"{path}: the platform answered HTTP {response.status_code}",
                field="platform",
                rule="HTTP 5xx is retried",
                value=response.status_code,
            )
        if response.status_code in (401, 403):  # the service's login, not the act, is wrong
            raise SecurityError(
                f"{path}: the platform refused the service's login (HTTP {response.status_code})",
                field="platform_login",
                rule="the platform account (certificate, login) must be valid",
                value=response.status_code,
            )
        if response.status_code >= 400:
            raise Rejected(
                f"{path}: HTTP {response.status_code}: {text.strip()[:500]}",
                field="platform",
                value=response.status_code,
            )
        return response, attempt

    def _record(
        self, path: str, started: float, status: int | None, excerpt: str, error: str | None
    ) -> Attempt:
        attempt = Attempt(path, int((time.monotonic() - started) * 1000), status, excerpt, error)
        self.attempts.append(attempt)
        return attempt

    @staticmethod
    def _ok_lines(response: requests.Response, path: str) -> list[str]:
        """``OK\\n…`` → the following lines; ``KO\\n<msg>`` → Rejected with the message verbatim."""
        text = response.content.decode("iso-8859-1")
        lines = text.replace("\r\n", "\n").split("\n")
        head = lines[0].strip()
        if head.startswith("KO"):
            message = "\n".join(lines[1:]).strip() or head[2:].strip(" :")
            raise Rejected(message, field="platform", rule=f"{path} answered KO")
        if not head.startswith("OK"):
            raise TransientError(
                f"{path}: unexpected reply {text[:200]!r}", field="platform", rule="OK/KO reply"
            )
        return lines[1:]

    def _json(self, response: requests.Response, path: str) -> Any:
        try:
            return json.loads(response.content.decode("utf-8"))
        except ValueError as exc:
            raise TransientError(f"{path}: the reply is not JSON", field="platform") from exc

    # ------------------------------------------------------------------ endpoints

    def test_connection(self) -> bool:
        response, _ = self._call("GET", "/api/test-connexion.php")
        return response.content.strip().startswith(b"OK")

    def submit_archive(self, archive: Path) -> SubmitResult:
        path = f"{_ACTES}/actes_transac_submit.php"
        with archive.open("rb") as stream:
            response, attempt = self._call(
                "POST",
                path,
                data={"api": "1"},
                files={"enveloppe": (archive.name, stream, "application/x-gzip")},
            )
        lines = [line for line in self._ok_lines(response, path) if line.strip()]
        # OK\n<n>\n<id1>… : one act per archive here
        return SubmitResult(lines[-1].strip(), attempt)

    def submit_form(self, form: FormSubmission) -> SubmitResult:
        path = f"{_ACTES}/actes_transac_create.php"
        data: dict[str, Any] = {
            "api": "1",
            "nature_code": str(form.nature_code),
            "number": form.number,
            "decision_date": form.decision_date,
            "subject": form.subject,
            "document_papier": "1" if form.document_papier else "0",
            "type_acte": form.document_typology,
            "type_pj[]": [typology for _, typology in form.annexes],
        }
        for level, code in enumerate(form.classification, start=1):
            data[f"classif{level}"] = str(code)
        handles = [form.document.open("rb")] + [p.open("rb") for p, _ in form.annexes]
        try:
            files: list[tuple[str, Any]] = [("acte_pdf_file", (form.document.name, handles[0]))]
            if form.document_signature:
                files.append(("acte_pdf_file_sign", ("signature.p7s", form.document_signature)))
            for (annexe, _), handle in zip(form.annexes, handles[1:], strict=True):
                files.append(("acte_attachments[]", (annexe.name, handle)))
            for signature in form.annexe_signatures:
                if signature:
                    files.append(("acte_attachments_sign[]", ("signature.p7s", signature)))
            response, attempt = self._call("POST", path, data=data, files=files)
        finally:
            for handle in handles:
                handle.close()
        lines = self._ok_lines(response, path)
        return SubmitResult(lines[0].strip(), attempt)

    def get_status(self, transaction_id: str, *, by_id_acte: bool = False) -> StatusReport:
        """The status (and the ARActe on 4, the error on −1) of a transaction, given by its
        id, or with ``by_id_acte`` by the act's IDActe (``unique_id``)."""
        path = f"{_ACTES}/actes_transac_get_status.php"
        key = "unique_id" if by_id_acte else "transaction"
        response, attempt = self._call("GET", path, params={key: transaction_id})
        lines = self._ok_lines(response, path)
        try:
            status = PlatformStatus(int(lines[0].strip()))
        except (ValueError, IndexError) as exc:
            raise TransientError(f"{path}: no status in {lines[:1]!r}", field="platform") from exc
        rest = "\n".join(lines[1:]).strip()
        if status is PlatformStatus.ERREUR:
            return StatusReport(transaction_id, status, None, rest or None, attempt)
        xml = rest.encode("iso-8859-1") if rest.startswith("<") else None
        return StatusReport(transaction_id, status, xml, None, attempt)

    def list_transactions(
        self, status: PlatformStatus, *, offset: int = 0, limit: int = 100
    ) -> list[ListedTransaction]:
        path = f"{_ACTES}/api/list_actes.php"
        response, _ = self._call(
            "GET", path, params={"status_id": int(status), "offset": offset, "limit": limit}
        )
        data = self._json(response, path)
        return [
            ListedTransaction(
                str(t["id"]),
                str(t["number"]),
                str(t.get("subject", "")),
                str(t.get("date", "")),
                status,
            )
            for t in data.get("transactions", [])
        ]

    def iter_transactions(
        self, status: PlatformStatus, *, page: int = 100
    ) -> list[ListedTransaction]:
        """Every transaction in ``status``, page by page (requests ∝ what is there)."""
        found: list[ListedTransaction] = []
        offset = 0
        while True:
            batch = self.list_transactions(status, offset=offset, limit=page)
            found.extend(batch)
            if len(batch) < page:
                return found
            offset += page

    def find_existing(self, number: str) -> ListedTransaction | None:
        """Does the platform already hold an act with this number? (before any re-send)"""
        for status in _LIVE_STATUSES:
            for listed in self.iter_transactions(status):
                if listed.number == number:
                    return listed
        return None

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
            for d in self._json(response, path)
        ]

    def mark_document_read(self, transaction_id: str) -> None:
        path = f"{_ACTES}/api/document_prefecture_mark_as_read.php"
        response, _ = self._call("GET", path, params={"transaction_id": transaction_id})
        if self._json(response, path).get("result") != "ok":
            raise Rejected(f"{path}: not marked as read", field="platform")

    def download_message_archive(self, transaction_id: str) -> bytes:
        path = f"{_ACTES}/actes_transac_get_document.php"
        response, _ = self._call("GET", path, params={"id": transaction_id})
        if not response.content.startswith(b"\x1f\x8b"):
            raise Rejected(f"{path}: no archive for transaction {transaction_id}", field="platform")
        return response.content

    def cancel(self, transaction_id: str) -> str:
        path = f"{_ACTES}/actes_transac_cancel.php"
        response, _ = self._call("POST", path, data={"api": "1", "id": transaction_id})
        return self._ok_lines(response, path)[0].strip()

    def reply(
        self,
        message_id: str,
        answer_type: int,
        document: Path | None = None,
        attachments: tuple[tuple[Path, str], ...] = (),
    ) -> str:
        """Answer a préfecture message (2-1, 3-1, 4-1): ``answer_type`` 3 refuses, 4 sends
        (ignored for a courrier simple). ``api=1`` goes in the query string, as S²LOW reads it
        there; the reply is ``OK : id généré : <id>``."""
        path = f"{_ACTES}/actes_transac_reponse_create.php"
        data: dict[str, Any] = {
            "id": message_id,
            "type_envoie": str(answer_type),
            "type_pj[]": [typology for _, typology in attachments],
        }
        handles = ([document.open("rb")] if document else []) + [
            p.open("rb") for p, _ in attachments
        ]
        try:
            files: list[tuple[str, Any]] = []
            if document is not None:
                files.append(("acte_pdf_file", (document.name, handles[0], "application/pdf")))
            for (attachment, _), handle in zip(
                attachments, handles[1 if document else 0 :], strict=True
            ):
                files.append(("acte_attachments[]", (attachment.name, handle, "application/pdf")))
            response, _ = self._call(
                "POST", path, params={"api": "1"}, data=data, files=files or None
            )
        finally:
            for handle in handles:
                handle.close()
        head = self._ok_lines_head(response, path)
        match = re.search(r"id g\S*n\S*r\S*\s*:\s*(\S+)", head)
        if match is None:
            raise TransientError(
                f"{path}: unexpected reply {head!r}", field="platform", rule="OK : id généré : <id>"
            )
        return match.group(1)

    def _ok_lines_head(self, response: requests.Response, path: str) -> str:
        self._ok_lines(response, path)  # KO → Rejected with the platform's words
        return response.content.decode("iso-8859-1").splitlines()[0]

    def request_classification(self) -> str:
        """Ask the préfecture for its current classification (7-1); it arrives as a 7-2."""
        path = f"{_ACTES}/actes_classification_request.php"
        response, _ = self._call("POST", path, data={"api": "1"})
        return self._ok_lines(response, path)[0].strip()

    def files(self, transaction_id: str) -> list[PlatformFile]:
        path = f"{_ACTES}/actes_transac_get_files_list.php"
        response, _ = self._call("GET", path, params={"transaction": transaction_id})
        if response.content.startswith(b"KO"):
            self._ok_lines(response, path)
        return [
            PlatformFile(
                str(f["id"]), f["name"], f["mimetype"], int(f["size"]), f.get("code_pj") or None
            )
            for f in self._json(response, path)
        ]

    def download_file(
        self,
        file_id: str,
        *,
        stamp: bool = False,
        published_on: dt.date | None = None,
    ) -> bytes:
        """One file; with ``stamp``, the act bearing the préfecture's stamp (and
        ``published_on`` printed on it), as the collectivité publishes it."""
        path = f"{_ACTES}/actes_download_file.php"
        params: dict[str, str] = {"file": file_id}
        if stamp:
            params["tampon"] = "true"
            if published_on is not None:
                params["date_affichage"] = published_on.isoformat()
        response, _ = self._call("GET", path, params=params)
        if response.content.startswith(b"KO"):
            self._ok_lines(response, path)
        return response.content

    def bordereau(self, transaction_id: str) -> bytes:
        """The bordereau d'acquittement (PDF) of an acknowledged act."""
        path = f"{_ACTES}/actes_create_pdf.php"
        response, _ = self._call("GET", path, params={"trans_id": transaction_id})
        if response.content.startswith(b"KO"):
            self._ok_lines(response, path)
        return response.content

    def fetch_classification(self) -> bytes:
        path = f"{_ACTES}/actes_classification_fetch.php"
        response, _ = self._call("GET", path, params={"api": "1"})
        if response.content.startswith(b"KO"):
            self._ok_lines(response, path)
        return response.content
