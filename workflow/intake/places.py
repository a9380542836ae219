"""Départements by name, to read ``DÉPARTEMENT DU GARD`` as ``030`` (the INSEE codes, on 3
characters as the ACTES protocol writes them)."""

from __future__ import annotations

from workflow.identifiers import ascii_digits
from workflow.intake.dates import fold

DEPARTEMENTS: dict[str, str] = {
    "001": "Ain", "002": "Aisne", "003": "Allier", "004": "Alpes-de-Haute-Provence",
    "005": "Hautes-Alpes", "006": "Alpes-Maritimes", "007": "Ardèche", "008": "Ardennes",
    "009": "Ariège", "010": "Aube", "011": "Aude", "012": "Aveyron", "013": "Bouches-du-Rhône",
    "014": "Calvados", "015": "Cantal", "016": "Charente", "017": "Charente-Maritime",
    "018": "Cher", "019": "Corrèze", "02A": "Corse-du-Sud", "02B": "Haute-Corse",
    "021": "Côte-d'Or", "022": "Côtes-d'Armor", "023": "Creuse", "024": "Dordogne",
    "025": "Doubs", "026": "Drôme", "027": "Eure", "028": "Eure-et-Loir", "029": "Finistère",
    "030": "Gard", "031": "Haute-Garonne", "032": "Gers", "033": "Gironde", "034": "Hérault",
    "035": "Ille-et-Vilaine", "036": "Indre", "037": "Indre-et-Loire", "038": "Isère",
    "039": "Jura", "040": "Landes", "041": "Loir-et-Cher", "042": "Loire", "043": "Haute-Loire",
    "044": "Loire-Atlantique", "045": "Loiret", "046": "Lot", "047": "Lot-et-Garonne",
    "048": "Lozère", "049": "Maine-et-Loire", "050": "Manche", "051": "Marne",
    "052": "Haute-Marne", "053": "Mayenne", "054": "Meurthe-et-Moselle", "055": "Meuse",
    "056": "Morbihan", "057": "Moselle", "058": "Nièvre", "059": "Nord", "060": "Oise",
    "061": "Orne", "062": "Pas-de-Calais", "063": "Puy-de-Dôme", "064": "Pyrénées-Atlantiques",
    "065": "Hautes-Pyrénées", "066": "Pyrénées-Orientales", "067": "Bas-Rhin", "068": "Haut-Rhin",
    "069": "Rhône", "070": "Haute-Saône", "071": "Saône-et-Loire", "072": "Sarthe",
    "073": "Savoie", "074": "Haute-Savoie", "075": "Paris", "076": "Seine-Maritime",
    "077": "Seine-et-Marne", "078": "Yvelines", "079": "Deux-Sèvres", "080": "Somme",
    "081": "Tarn", "082": "Tarn-et-Garonne", "083": "Var", "084": "Vaucluse", "085": "Vendée",
    "086": "Vienne", "087": "Haute-Vienne", "088": "Vosges", "089": "Yonne",
    "090": "Territoire de Belfort", "091": "Essonne", "092": "Hauts-de-Seine",
    "093": "Seine-Saint-Denis", "094": "Val-de-Marne", "095": "Val-d'Oise", "971": "Guadeloupe",
    "972": "Martinique", "973": "Guyane", "974": "La Réunion", "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
}  # fmt: skip


def _key(name: str) -> str:
    return " ".join(fold(name).replace("-", " ").replace("'", " ").split())


_BY_NAME = {_key(name): code for code, name in DEPARTEMENTS.items()} | {"reunion": "974"}


def departement_by_name(name: str) -> str | None:
    """``Gard`` / ``GARD`` / ``de la Haute-Garonne`` → its code, else ``None``."""
    key = _key(name)
    for article in ("de la ", "de l ", "du ", "des ", "de ", "d ", "la ", "le ", "les "):
        if key.startswith(article) and key[len(article) :] in _BY_NAME:
            return _BY_NAME[key[len(article) :]]
    return _BY_NAME.get(key)


def departement_from_postcode(postcode: str) -> str | None:
    """The département a postcode usually belongs to (``30500`` → ``030``); Corsica and a few
    border postcodes do not follow the rule, so callers treat this as a weak clue."""
    if len(postcode) != 5 or not ascii_digits(postcode):
        return None
    if postcode.startswith("97"):
        code = postcode[:3]
        return code if code in DEPARTEMENTS else None
    if postcode.startswith("20"):
        return None  # 2A or 2B: the postcode does not say which
    code = "0" + postcode[:2]
    return code if code in DEPARTEMENTS and code != "000" else None
