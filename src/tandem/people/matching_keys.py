"""Blocking keys for matching people at intake: pure functions, no database.

Two records of one person rarely agree on everything, but they nearly always agree on
one of a few coarse keys. Each person stores one row per key (`PersonKey`); a query
computes the same keys (plus a few variants) and the people who share any of them are
the candidates that `people.matching` scores.

| kind  | value                                        | finds the person when ...              |
|-------|----------------------------------------------|----------------------------------------|
| `fd`  | family-name sound + date of birth            | the given name is a typo or a nickname |
| `fmd` | family-name sound + birth month and day      | the birth year is wrong too            |
| `gd`  | given-name sound + date of birth             | the family name changed or is mangled  |
| `gym` | given-name sound + birth year and month      | ... and the birth day is wrong too     |
| `gf`  | given-name sound + family-name sound         | the date of birth is wrong or unknown  |
| `fiy` | family-name sound + given initial + year     | the given name and birth day are wrong |
| `di`  | date of birth + given and family initials    | both names are misspelled past sound   |
| `ph`  | phone number, last ten digits                | the phone is the same                  |
| `ad`  | house number + first word of the street      | the address is the same                |

Keys with a date are selective (a handful of people in a million); the others
(`gf` for a common name, a shared phone or address) can be crowded, and the matcher
reads a bounded number of people from each. Together they tolerate an error or two
across names and date of birth; `bench/person_match.py` measures the recall.

A given name's sound is that of its canonical form ('Bob' sounds as 'Robert'), so
nicknames and misspellings of the given name land in the same key. Day/month
transpositions are not stored: the query looks the date up both ways.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

VOWELS = frozenset("AEIOU")
MAX_PART = 40  # longest name part in a key, so every value fits PersonKey.value

# Canonical given name -> nicknames and spelling variants. A nickname may belong to
# several names ("Pat": Patrick, Patricia); matching treats each as possible.
# fmt: off
_NICKNAMES = {
    "ROBERT": "BOB BOBBY ROB ROBBIE ROBBY",
    "WILLIAM": "BILL BILLY WILL WILLIE WILLY LIAM",
    "ELIZABETH": "LIZ LIZZIE LIZZY BETH BETTY BETSY ELIZA ELISABETH LIBBY",
    "MARGARET": "PEGGY MAGGIE MEG MARGE MARGIE GRETA",
    "JAMES": "JIM JIMMY JIMMIE",
    "KATHERINE": "KATE KATIE KATY KATHY CATHY KAT CATHERINE KATHRYN KATHARINE",
    "ANTHONY": "TONY ANTONY",
    "RICHARD": "RICK RICKY DICK RICH RICHIE",
    "JOHN": "JACK JOHNNY JON",
    "JONATHAN": "JON JONNY",
    "MICHAEL": "MIKE MIKEY MICK MICKEY",
    "CHARLES": "CHARLIE CHUCK CHAS",
    "THOMAS": "TOM TOMMY",
    "JOSEPH": "JOE JOEY",
    "EDWARD": "ED EDDIE TED TEDDY NED",
    "THEODORE": "TED TEDDY THEO",
    "DANIEL": "DAN DANNY",
    "DAVID": "DAVE DAVEY",
    "STEVEN": "STEVE STEPHEN STEVIE",
    "CHRISTOPHER": "CHRIS KIT TOPHER",
    "CHRISTINE": "CHRIS CHRISSY CHRISTINA TINA",
    "PATRICK": "PAT PADDY",
    "PATRICIA": "PAT PATTY TRISH TRICIA PATSY",
    "ALEXANDER": "ALEX ALEC XANDER",
    "ALEXANDRA": "ALEX ALEXA LEXI SASHA",
    "SAMUEL": "SAM SAMMY",
    "SAMANTHA": "SAM SAMMY",
    "BENJAMIN": "BEN BENNY BENJI",
    "NICHOLAS": "NICK NICKY NICO",
    "MATTHEW": "MATT MATTY",
    "ANDREW": "ANDY DREW",
    "GREGORY": "GREG",
    "JEFFREY": "JEFF GEOFFREY GEOFF",
    "KENNETH": "KEN KENNY",
    "RONALD": "RON RONNIE",
    "DONALD": "DON DONNIE",
    "TIMOTHY": "TIM TIMMY",
    "GERALD": "JERRY GERRY",
    "JEROME": "JERRY",
    "LAWRENCE": "LARRY LAURENCE",
    "LEONARD": "LEN LENNY LEO",
    "PETER": "PETE",
    "PHILIP": "PHIL PHILLIP",
    "RAYMOND": "RAY",
    "DOUGLAS": "DOUG",
    "FREDERICK": "FRED FREDDIE FREDDY",
    "FRANCIS": "FRANK FRANKIE FRAN",
    "FRANCES": "FRAN FRANNIE FRANKIE",
    "HENRY": "HANK HARRY HAL",
    "HAROLD": "HARRY HAL",
    "ALBERT": "AL BERT BERTIE",
    "ALFRED": "AL ALF ALFIE FRED",
    "ARTHUR": "ART ARTIE",
    "EUGENE": "GENE",
    "ERNEST": "ERNIE",
    "JOSHUA": "JOSH",
    "ZACHARY": "ZACH ZACK",
    "NATHANIEL": "NATE NAT",
    "VINCENT": "VINCE VINNY",
    "WALTER": "WALT WALLY",
    "RUSSELL": "RUSS",
    "STANLEY": "STAN",
    "JACOB": "JAKE",
    "TERENCE": "TERRY",
    "MARTIN": "MARTY",
    "OLIVER": "OLLIE",
    "CLIFFORD": "CLIFF",
    "DOMINIC": "DOM",
    "RODNEY": "ROD",
    "TOBIAS": "TOBY",
    "ABIGAIL": "ABBY GAIL",
    "AMANDA": "MANDY",
    "BARBARA": "BARB BARBIE BABS",
    "DEBORAH": "DEB DEBBIE DEBRA",
    "DOROTHY": "DOT DOTTIE DOLLY",
    "JENNIFER": "JEN JENN JENNY",
    "JESSICA": "JESS JESSIE",
    "JACQUELINE": "JACKIE JACQUI",
    "JUDITH": "JUDY",
    "KIMBERLY": "KIM",
    "MARY": "MOLLY POLLY MAE MAMIE",
    "REBECCA": "BECKY BECCA",
    "SUSAN": "SUE SUSIE SUZY",
    "VICTORIA": "VICKY VICKIE TORI",
    "VIRGINIA": "GINNY",
    "CYNTHIA": "CINDY",
    "ANNE": "ANN ANNIE ANNA NAN",
    "HELEN": "NELL NELLIE",
    "ELEANOR": "ELLIE NORA",
    "EMILY": "EMMY",
    "JOSEPHINE": "JO JOSIE",
    "MADELINE": "MADDIE MADELEINE",
    "MATILDA": "TILLY",
    "MARTHA": "MATTIE PATTY",
    "PAMELA": "PAM",
    "SANDRA": "SANDY",
    "SARAH": "SARA SALLY SADIE",
    "STEPHANIE": "STEPH",
    "THERESA": "TERESA TERRI TERRY TESS TESSA",
    "VALERIE": "VAL",
    "ISABEL": "ISABELLE ISABELLA IZZY BELLA",
    "EVELYN": "EVIE",
    "FLORENCE": "FLO",
    "GABRIELLE": "GABBY",
    "MILDRED": "MILLIE",
    "WINIFRED": "WINNIE",
    "FRANCISCO": "PACO PANCHO",
    "JOSE": "PEPE",
    "GUILLERMO": "MEMO",
    "EDUARDO": "LALO",
    "ROBERTO": "BETO",
    "ALBERTO": "BETO",
    "GUADALUPE": "LUPE",
    "JESUS": "CHUY",
    "IGNACIO": "NACHO",
    "DOLORES": "LOLA",
}
# fmt: on

NICKNAMES: dict[str, tuple[str, ...]] = {full: tuple(n.split()) for full, n in _NICKNAMES.items()}
NICKNAME_FORMS: dict[str, frozenset[str]] = {}  # any form -> the canonical names it may be
for _full, _nicks in NICKNAMES.items():
    for _name in (_full, *_nicks):
        NICKNAME_FORMS[_name] = NICKNAME_FORMS.get(_name, frozenset()) | {_full}

_NOT_LETTERS = re.compile(r"[^A-Z]+")
_NOT_DIGITS = re.compile(r"\D+")
# A house number (a letter after it allowed), an optional direction, the street's first word.
_ADDRESS = re.compile(
    r"\W*(\d+)[A-Z]?\W+(?:(?:NORTH|SOUTH|EAST|WEST|NE|NW|SE|SW|N|S|E|W)\b\W*(?=\w))?([A-Z0-9]+)"
)
_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$")


@lru_cache(maxsize=65536)
def normal(text: str) -> str:
    """Upper-case ASCII letters only: 'José-María ' -> 'JOSEMARIA'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_LETTERS.sub("", ascii_text.upper())


@lru_cache(maxsize=65536)
def name_parts(text: str) -> tuple[str, ...]:
    """The normalised words of a name: 'Garcia-Lopez' -> ('GARCIA', 'LOPEZ')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return tuple(p for p in (normal(w) for w in re.split(r"[\s\-]+", ascii_text)) if p)


@lru_cache(maxsize=65536)
def given_forms(given: str) -> tuple[str, ...]:
    """Canonical forms of a given name's first word: 'Bob' -> ('ROBERT',)."""
    parts = name_parts(given)
    if not parts:
        return ()
    first = parts[0][:MAX_PART]
    return tuple(sorted(NICKNAME_FORMS.get(first, {first})))


@lru_cache(maxsize=65536)
def given_sounds(given: str) -> tuple[str, ...]:
    """Sound keys of a given name's canonical forms: 'Bob' and 'Robret' -> ('RBRT',)."""
    return tuple(dict.fromkeys(sound(form) for form in given_forms(given)))


def nickname_of(a: str, b: str) -> str | None:
    """The canonical name two given names share through the nickname map, if any."""
    shared = set(given_forms(a)) & set(given_forms(b))
    return min(shared) if shared else None


@lru_cache(maxsize=65536)
def sound(name: str) -> str:
    """A Metaphone-like sound key, tuned for surnames: Thompson and Tomson -> 'TMSN'.

    Differences from Metaphone, all towards finding more variants: every initial vowel
    is 'A', 'TH' sounds as 'T' (Smith, Smit, Smyth), and 'P' between 'M' and 'S'/'T' is
    silent (Thompson, Simpson).
    """
    word = normal(name)
    if word[:2] in ("KN", "GN", "PN", "WR", "PS"):
        word = word[1:]
    elif word[:2] == "WH":
        word = "W" + word[2:]
    elif word[:1] == "X":
        word = "S" + word[1:]
    codes: list[str] = []
    for i, letter in enumerate(word):
        if i and letter == word[i - 1] and letter != "C":
            continue
        code = _sound_of(word, i, letter)
        if code and not (codes and codes[-1] == code):
            codes.append(code)
    return "".join(codes)[:MAX_PART]


def _sound_of(word: str, i: int, letter: str) -> str:
    """The sound of one letter in its context ('' when silent)."""
    prev = word[i - 1] if i else " "
    nxt = word[i + 1] if i + 1 < len(word) else " "
    after = word[i + 2] if i + 2 < len(word) else " "
    if letter in VOWELS:
        return "A" if i == 0 else ""
    if letter == "C":
        return _sound_of_c(prev, nxt, after)
    if letter == "G":
        return _sound_of_g(word, i, prev, nxt, after)
    silent = (
        (letter == "B" and prev == "M" and nxt == " ")
        or (letter == "H" and (prev in "CGPST" or nxt not in VOWELS))
        or (letter == "K" and prev == "C")
        or (letter == "P" and prev == "M" and nxt in "ST")
        or (letter == "T" and nxt == "C" and after == "H")
        or (letter in "WY" and nxt not in VOWELS)
    )
    if silent:
        return ""
    if letter == "D" and nxt == "G" and after in "EIY":
        return "J"
    if letter == "P" and nxt == "H":
        return "F"
    if letter in "ST" and (nxt == "H" and letter == "S" or (nxt == "I" and after in "OA")):
        return "X"
    return {"D": "T", "Q": "K", "V": "F", "X": "KS", "Z": "S"}.get(letter, letter)


def _sound_of_c(prev: str, nxt: str, after: str) -> str:
    if nxt == "H":
        return "K" if prev == "S" or after == "R" else "X"  # school, Christine; church
    if nxt == "I" and after == "A":
        return "X"
    if nxt in "IEY":
        return "" if prev == "S" else "S"
    return "K"


def _sound_of_g(word: str, i: int, prev: str, nxt: str, after: str) -> str:
    if nxt == "H":
        return "K" if after in VOWELS else ""  # Ghent; Wright, Hugh
    if nxt == "N" and word[i + 2 :] in ("", "ED"):
        return ""
    return "J" if nxt in "EIY" and prev != "G" else "K"


@lru_cache(maxsize=65536)
def family_sounds(family: str) -> tuple[str, ...]:
    """Sound keys of the whole family name and of each part ('Garcia-Lopez')."""
    parts = name_parts(family)
    keys = [sound("".join(parts))] + (
        [sound(p) for p in parts if len(p) > 1] if len(parts) > 1 else []
    )
    return tuple(dict.fromkeys(k for k in keys if k))


def phone_key(phone: str) -> str:
    """The last ten digits; '' when there are fewer than seven (an extension, a typo)."""
    digits = _NOT_DIGITS.sub("", phone)
    return digits[-10:] if len(digits) >= 7 else ""


def address_key(address: str) -> str:
    """House number and first word of the street: '12 N. Main St Apt 4' -> '12 MAIN'."""
    if not address.isascii():
        address = unicodedata.normalize("NFKD", address).encode("ascii", "ignore").decode()
    found = _ADDRESS.match(address.upper())
    if not found:
        return ""
    number, street = found.groups()
    ordinal = _ORDINAL.match(street)
    return f"{number} {ordinal.group(1) if ordinal else street}"


def as_date(value) -> dt.date | None:
    """A date from a date, an ISO string (SQLite raw rows) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def dob_variants(dob: dt.date) -> list[dt.date]:
    """The date as given and with day and month swapped, when that is a date too."""
    variants = [dob]
    if dob.day <= 12 and dob.day != dob.month:
        variants.append(dt.date(dob.year, dob.day, dob.month))
    return variants


def person_keys(
    given: str, family: str, dob: dt.date | None, phone: str = "", address: str = ""
) -> list[tuple[str, str]]:
    """The (kind, value) keys stored for one person."""
    return [(kind, value) for _, kind, value in bulk_keys([(given, family, dob, phone, address)])]


def query_keys(
    given: str, family: str, dob: dt.date | None, phone: str = "", address: str = ""
) -> list[tuple[str, str]]:
    """The keys a query looks up: the stored kinds, with the date of birth both ways."""
    people = [(given, family, d, phone, address) for d in (dob_variants(dob) if dob else [None])]
    return list(dict.fromkeys((kind, value) for _, kind, value in bulk_keys(people)))


def bulk_keys(people: Sequence[tuple]) -> list[tuple[int, str, str]]:
    """(position, kind, value) for (given, family, dob, phone, address) rows.

    Column by column, kind by kind: every name-derived part is computed once per
    distinct name (the functions are cached), so a million people cost a handful of
    comprehensions rather than a million calls.
    """
    if not people:
        return []
    given, family, dobs, phones, addresses = zip(*people, strict=True)
    gsounds = list(map(given_sounds, given))
    sounds = list(map(family_sounds, family))
    gis = [normal(name)[:1] for name in given]
    fis = [normal(name)[:1] for name in family]
    days = list(map(day_key, dobs))
    rows = [
        (i, "fd", f"{s}|{d}")
        for i, (ss, d) in enumerate(zip(sounds, days, strict=True))
        if d
        for s in ss
    ]
    rows += [
        (i, "gd", f"{g}|{d}")
        for i, (gg, d) in enumerate(zip(gsounds, days, strict=True))
        if d
        for g in gg
    ]
    rows += [
        (i, "fmd", f"{s}|{d[4:]}")
        for i, (ss, d) in enumerate(zip(sounds, days, strict=True))
        if d
        for s in ss
    ]
    rows += [
        (i, "di", f"{d}|{a}{b}")
        for i, (d, a, b) in enumerate(zip(days, gis, fis, strict=True))
        if d and a and b
    ]
    rows += [
        (i, "gf", f"{g}|{s}")
        for i, (gg, ss) in enumerate(zip(gsounds, sounds, strict=True))
        for g in gg
        for s in ss
    ]
    rows += [
        (i, "fiy", f"{s}|{a}|{d[:4]}")
        for i, (ss, a, d) in enumerate(zip(sounds, gis, days, strict=True))
        if d and a
        for s in ss
    ]
    rows += [
        (i, "gym", f"{g}|{d[:6]}")
        for i, (gg, d) in enumerate(zip(gsounds, days, strict=True))
        if d
        for g in gg
    ]
    rows += [(i, "ph", v) for i, v in enumerate(map(phone_key, phones)) if v]
    rows += [(i, "ad", v) for i, v in enumerate(map(address_key, addresses)) if v]
    return rows


@lru_cache(maxsize=65536)
def day_key(value) -> str:
    """'YYYYMMDD' for a date (or an ISO date string); '' when unknown."""
    day = as_date(value)
    return day.strftime("%Y%m%d") if day else ""
