"""``actes package``, ``actes inspect``, ``actes id parse``: the protocol core from a terminal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click

from workflow.adapters.cms_verify import CmsVerifier
from workflow.adapters.pki import read_passphrase_file
from workflow.adapters.software_signer import load_signer
from workflow.collectivite import Collectivite, load_registry
from workflow.errors import InvalidInput
from workflow.identifiers import ActNature, Classification, IDActe, Siren, TypologyCode
from workflow.interfaces.cli.app import cli, command, emit_json
from workflow.interfaces.cli.values import annex_signatures, parse_date, to_jsonable
from workflow.numbering import NumberProfile, NumeroInterne, normalise_number
from workflow.packaging import ActInput, DocumentInput, Package, PackagingOptions, package_act
from workflow.protocol.inspection import inspect_file
from workflow.protocol.naming import parse_envelope_name
from workflow.signing import MAX_SIGNATURE_BYTES, Secret, Signer, SigningError


def _collectivite_from_options(
    registry: Path | None,
    siren: str | None,
    departement: str | None,
    arrondissement: str,
    nature_collectivite: str,
    emails: tuple[str, ...],
) -> Collectivite:
    if registry is not None:
        entries = load_registry(registry)
        if siren is None:
            if len(entries.collectivites) == 1:
                return entries.collectivites[0]
            raise InvalidInput(
                f"{registry} lists {len(entries.collectivites)} collectivités; "
                "name one with --siren",
                field="siren",
                rule="required with a multi-entry registry",
            )
        found = entries.get(Siren.parse(siren).value)
        if found is None:
            raise InvalidInput(
                f"SIREN {siren} is not in {registry}",
                field="siren",
                rule="listed in the registry",
                value=siren,
            )
        return found
    if siren is None or departement is None:
        missing = "--siren" if siren is None else "--departement"
        raise InvalidInput(
            f"{missing} is required (or --registry FILE)",
            field=missing.lstrip("-"),
            rule="collectivité fields or --registry",
        )
    return Collectivite.from_mapping(
        {
            "name": f"SIREN {siren}",
            "siren": siren,
            "departement": departement,
            "arrondissement": arrondissement,
            "nature": nature_collectivite,
            "emails": list(emails),
        },
        where="command line",
    )


def _next_serial(out_dir: Path, appli: str, siren: str, day: dt.date) -> int:
    """The envelope counter is per collectivité and per day: take the next free one in DIR."""
    used = [0]
    if out_dir.is_dir():
        for path in out_dir.glob(f"*-{appli}--{siren}--{day:%Y%m%d}-*.tar.gz"):
            try:
                used.append(parse_envelope_name(path.name).name.serial)
            except InvalidInput:
                continue
    return max(used) + 1


@command("package")
@click.option(
    "--registry",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML registry of collectivités (instead of the fields below).",
)
@click.option("--siren", help="SIREN of the collectivité (9 digits).")
@click.option("--departement", help="Département code, e.g. 028, 02A, 974.")
@click.option("--arrondissement", default="0", show_default=True)
@click.option(
    "--nature-collectivite",
    default="31",
    show_default=True,
    help="Collectivité nature code (31 = commune).",
)
@click.option(
    "--email",
    "emails",
    multiple=True,
    help="Return address for the préfecture's answers (repeatable).",
)
@click.option(
    "--numero",
    required=True,
    help="The act's number as printed; normalised to the profile unless --strict-numero.",
)
@click.option("--date", "act_date", required=True, help="The act's date (YYYY-MM-DD).")
@click.option("--nature", required=True, help="DE, AR, AI, CC, BF or AU.")
@click.option("--classification", required=True, help="Matière code, e.g. 8.1 or 7.1.2.")
@click.option(
    "--classification-date",
    help="Date of the préfecture's classification in use (7-2), YYYY-MM-DD.",
)
@click.option(
    "--objet", required=True, help="The act's subject (one line, at most 499/500 characters)."
)
@click.option(
    "--document",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The act itself (PDF).",
)
@click.option(
    "--document-typologie", help="Typology of the act document (default: the nature's, e.g. 99_DE)."
)
@click.option(
    "--annexe",
    "annexes",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="An annexe (repeatable), each followed by its --typologie.",
)
@click.option(
    "--typologie",
    "typologies",
    multiple=True,
    help="Typology code of the annexe given just before.",
)
@click.option(
    "--signature",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A detached CMS/PKCS#7 signature of --document (DER or PEM), carried as it is.",
)
@click.option(
    "--annexe-signature",
    "annexe_signatures",
    multiple=True,
    metavar="N=FILE",
    help="The detached signature of the N-th --annexe (from 1; repeatable).",
)
@click.option(
    "--document-papier", is_flag=True, help="Some parts are sent on paper (DocumentPapier=O)."
)
@click.option(
    "--profile",
    type=click.Choice([p.value for p in NumberProfile]),
    default="s2low",
    show_default=True,
)
@click.option("--strict-numero", is_flag=True, help="Refuse a number that is not valid as given.")
@click.option(
    "--trigramme",
    default="SLO",
    show_default=True,
    help="Operator code the platform expects in archive names.",
)
@click.option(
    "--appli", default="EACT", show_default=True, help="Application code of envelope names."
)
@click.option(
    "--serial", type=int, help="Envelope serial of the day (default: next free one in --out)."
)
@click.option(
    "--generated-on",
    help="Day of generation (YYYY-MM-DD; default today). Makes archives reproducible.",
)
@click.option("--sign", is_flag=True, help="Sign every document (detached CMS) with --pkcs12.")
@click.option(
    "--pkcs12",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The collectivité's PKCS#12 certificate.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File whose first line is the PKCS#12 passphrase.",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object describing the archive."
)
def package_command(
    registry: Path | None,
    siren: str | None,
    departement: str | None,
    arrondissement: str,
    nature_collectivite: str,
    emails: tuple[str, ...],
    numero: str,
    act_date: str,
    nature: str,
    classification: str,
    classification_date: str | None,
    objet: str,
    document: Path,
    document_typologie: str | None,
    annexes: tuple[Path, ...],
    typologies: tuple[str, ...],
    signature: Path | None,
    annexe_signatures: tuple[str, ...],
    document_papier: bool,
    profile: str,
    strict_numero: bool,
    trigramme: str,
    appli: str,
    serial: int | None,
    generated_on: str | None,
    sign: bool,
    pkcs12: Path | None,
    passphrase_file: Path | None,
    out_dir: Path,
    as_json: bool,
) -> None:
    """Package an act as an ACTES 1-1 archive (tar.gz) and print its path."""
    collectivite = _collectivite_from_options(
        registry, siren, departement, arrondissement, nature_collectivite, emails
    )
    number_profile = NumberProfile(profile)
    numero_value, numero_changes = _numero(numero, number_profile, strict=strict_numero)
    day = parse_date(act_date, field="date")
    today = parse_date(generated_on, field="generated-on") if generated_on else dt.date.today()
    warnings: list[str] = []
    if classification_date:
        version_date = parse_date(classification_date, field="classification-date")
    else:
        version_date = day
        warnings.append(
            "no --classification-date: the act's date was used as ClassificationDateVersion; "
            "give the date of your préfecture's classification (7-2) to avoid an anomaly"
        )
    act = ActInput(
        collectivite=collectivite,
        numero=numero_value,
        date=day,
        nature=ActNature.parse(nature),
        classification=Classification.parse(classification),
        classification_date=version_date,
        objet=objet,
        document=DocumentInput(
            document,
            TypologyCode.parse(document_typologie) if document_typologie else None,
            _given_signature(document, signature),
        ),
        annexes=_signed_annexes(annexes, typologies, annexe_signatures),
        document_papier=document_papier,
    )
    options = PackagingOptions(
        generated_on=today,
        serial=serial or _next_serial(out_dir, appli, collectivite.siren.value, today),
        trigramme=trigramme,
        appli=appli,
        profile=number_profile,
    )
    package = package_act(act, out_dir, options, signer=_signer(sign, pkcs12, passphrase_file))
    warnings.extend(package.signer_warnings)
    _report_package(package, numero, numero_value, numero_changes, warnings, as_json=as_json)


def _signed_annexes(
    annexes: tuple[Path, ...], typologies: tuple[str, ...], signatures: tuple[str, ...]
) -> tuple[DocumentInput, ...]:
    """The annexes with their typologies and, where given, their checked signatures."""
    return tuple(
        dataclasses.replace(a, signature=_given_signature(a.path, s))
        for a, s in zip(
            _annexes(annexes, typologies),
            annex_signatures(signatures, len(annexes)),
            strict=True,
        )
    )


def _report_package(
    package: Package,
    given: str,
    numero: NumeroInterne,
    numero_changes: tuple[str, ...],
    warnings: list[str],
    *,
    as_json: bool,
) -> None:
    """The archive's path (notes and warnings on stderr), or one JSON object describing it."""
    if as_json:
        data = package.as_dict()
        data["numero"] = {"given": given, "sent": numero.value, "changes": list(numero_changes)}
        data["warnings"] = warnings
        emit_json(data)
        return
    for change in numero_changes:
        click.echo(f"note: number {given!r} → {numero.value!r}: {change}", err=True)
    for change in package.objet_changes:
        click.echo(f"note: objet {change}", err=True)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(str(package.archive.path))


def _numero(
    numero: str, profile: NumberProfile, *, strict: bool
) -> tuple[NumeroInterne, tuple[str, ...]]:
    """The number as sent, and each change normalising it made (none with ``strict``)."""
    if strict:
        return NumeroInterne.parse(numero, profile), ()
    normalised = normalise_number(numero, profile)
    return normalised.numero, normalised.changes


def _annexes(annexes: tuple[Path, ...], typologies: tuple[str, ...]) -> tuple[DocumentInput, ...]:
    if len(typologies) != len(annexes):
        raise InvalidInput(
            f"{len(annexes)} --annexe but {len(typologies)} --typologie; "
            "give one typology per annexe",
            field="typologie",
            rule="one --typologie per --annexe",
            value=len(typologies),
        )
    return tuple(
        DocumentInput(path, TypologyCode.parse(code, field=f"typologie {i}"))
        for i, (path, code) in enumerate(zip(annexes, typologies, strict=True), start=1)
    )


def _given_signature(document: Path, signature: Path | None) -> bytes | None:
    """The signature file given for ``document``, once it is known to sign it (the same
    checks as intake's, without a trust list): else a security error (exit code 4)."""
    if signature is None:
        return None
    with signature.open("rb") as stream:  # bounded: one byte past the limit is refused
        data = stream.read(MAX_SIGNATURE_BYTES + 1)
    with document.open("rb") as content:
        report = CmsVerifier().verify_detached(content, data)
    if report.error is not None:
        raise SigningError(
            f"{signature.name} does not sign {document.name}: {report.error}",
            field="signature",
            rule="the signature matches the document",
            value=str(signature),
        )
    return data


def _signer(sign: bool, pkcs12: Path | None, passphrase_file: Path | None) -> Signer | None:
    if not sign:
        return None
    if pkcs12 is None:
        raise InvalidInput(
            "--sign needs --pkcs12 FILE", field="pkcs12", rule="required with --sign"
        )
    passphrase = Secret(read_passphrase_file(passphrase_file)) if passphrase_file else None
    return load_signer(pkcs12, passphrase)


@command("inspect")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def inspect_command(file: Path) -> None:
    """Read an ACTES archive or message XML and print it as one JSON object."""
    emit_json(to_jsonable(inspect_file(file)))


@cli.group("id")
def id_group() -> None:
    """Work with act identifiers (IDActe)."""


@id_group.command("parse")
@click.argument("id_acte")
def id_parse_command(id_acte: str) -> None:
    """Split an IDActe into its segments (JSON); the number may contain hyphens."""
    emit_json(IDActe.parse(id_acte).as_dict())
