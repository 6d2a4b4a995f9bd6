"""Synthetic person records from several agencies, with the truth known.

`generate(n)` draws people (households, twins, common and rare names), writes one to a
few records for each as different agencies would, and damages the records with the
corruption patterns chosen: typos, nicknames, swapped day and month, missing fields,
moves by default; OCR substitutions, dropped letters, double-barrelled surnames,
transposed names, married names and initials on request. The `person_id` column is
the truth. Scoring helpers count pairs from clusters without listing them, so a
million-record run is scored in a second.

    .venv/bin/python bench/synthetic_people.py [--records N]   # prints a small sample
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tandem.people.linkage_prepare import nickname_table


def _words(text: str) -> list[str]:
    return text.split()


MALE = _words(
    "james robert john michael david william richard joseph thomas christopher charles daniel "
    "matthew anthony mark donald steven andrew paul joshua kenneth kevin brian george timothy "
    "ronald jason edward jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin "
    "scott brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry "
    "tyler aaron jose adam nathan henry zachary douglas peter kyle noah ethan jeremy walter "
    "christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan "
    "jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy "
    "vincent mason roy ralph bobby russell bradley philip eugene luis carlos miguel"
)
FEMALE = _words(
    "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy "
    "betty sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah "
    "stephanie dorothy rebecca sharon laura cynthia amy kathleen angela shirley brenda emma "
    "anna pamela nicole samantha katherine christine helen debra rachel carolyn janet maria "
    "catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina "
    "joan evelyn judith andrea hannah megan cheryl jacqueline martha madison teresa gloria "
    "sara janice ann kathryn abigail sophia frances jean alice judy isabella julia grace "
    "amber denise danielle marilyn beverly charlotte natalie theresa diana brittany doris "
    "kayla alexis lori marie rosa guadalupe"
)
SURNAMES = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez "
    "lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson "
    "white harris sanchez clark ramirez lewis robinson walker young allen king wright scott "
    "torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter "
    "roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart "
    "morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed "
    "kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray "
    "mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez"
)
_ONSETS = _words(
    "ab al an ar as bar bel ben bor bra bur cal car cor cra dal dan del dor dun el em er fal "
    "far fel fen gal gar gor gra hal har hel hol kal kar kel ken kin lan lar lem lin lor mal "
    "mar mel mor nal nor od or pal par pel por ral ran ros sal sar sel sor stan tal tar tor "
    "val van ver wal war wel win yor zel"
)
_CODAS = _words(
    "by den dorf ford gan ham hart ing kin ley low man mond more ner ning rick ridge sen shaw "
    "ski son stein ston ton ville well wick win wood worth ez ani elli ova ak"
)
STREET_TYPES = ("st", "street", "ave", "avenue", "rd", "road", "dr", "ln", "ct", "way", "pl")
UNITS = ("apt", "unit", "#")
CITIES = _words(
    "springfield riverside fairview franklin greenville bristol clinton madison georgetown "
    "salem arlington ashland burlington dover hudson jackson kingston lebanon milton newport "
    "oxford plymouth richmond shelby troy union vernon washington winchester lakewood"
)

# One to five records per person: how often a person shows up in several agencies.
RECORDS_PER_PERSON = {1: 0.55, 2: 0.25, 3: 0.12, 4: 0.05, 5: 0.03}
AGENCIES = ("pd", "so", "clinic", "ems", "jail", "hospital")

DEFAULT_CORRUPTIONS: dict[str, float] = {
    "typo_given": 0.08,
    "typo_family": 0.08,
    "typo_address": 0.10,
    "nickname": 0.12,
    "swap_day_month": 0.04,
    "dob_typo": 0.03,
    "missing_dob": 0.05,
    "missing_sex": 0.05,
    "missing_address": 0.10,
    "missing_phone": 0.25,
    "moved": 0.10,
    "format_noise": 0.20,
}


@dataclass
class _Columns:
    """The record columns being damaged, as numpy object arrays."""

    given: np.ndarray
    family: np.ndarray
    dob: np.ndarray
    sex: np.ndarray
    address: np.ndarray
    phone: np.ndarray
    rng: np.random.Generator


def generate(
    n_records: int,
    *,
    seed: int = 0,
    corruptions: Mapping[str, float] | None = None,
    twin_share: float = 0.005,
    household_share: float = 0.12,
) -> pd.DataFrame:
    """Records with the engine's input columns plus `person_id`, the truth."""
    rng = np.random.default_rng(seed)
    sizes = _records_per_person(n_records, rng)
    people = _people(len(sizes), rng, twin_share, household_share)
    owner = np.repeat(np.arange(len(sizes)), sizes)[:n_records]
    cols = _Columns(
        given=people["given"][owner].copy(),
        family=people["family"][owner].copy(),
        dob=people["dob"][owner].copy(),
        sex=people["sex"][owner].copy(),
        address=people["address"][owner].copy(),
        phone=people["phone"][owner].copy(),
        rng=rng,
    )
    for name, share in (DEFAULT_CORRUPTIONS if corruptions is None else corruptions).items():
        chosen = np.flatnonzero(rng.random(n_records) < share)
        CORRUPTIONS[name](cols, chosen)
    agency = np.asarray(AGENCIES, dtype=object)[rng.integers(0, len(AGENCIES), n_records)]
    order = rng.permutation(n_records)  # records arrive in no particular order
    return pd.DataFrame(
        {
            "unique_id": [f"{a}:{i}" for a, i in zip(agency[order], order, strict=True)],
            "source_agency": agency[order],
            "given_name": cols.given[order],
            "family_name": cols.family[order],
            "date_of_birth": cols.dob[order],
            "sex": cols.sex[order],
            "address": cols.address[order],
            "phone": cols.phone[order],
            "person_id": owner[order],
        }
    )


def _records_per_person(n_records: int, rng: np.random.Generator) -> np.ndarray:
    counts, shares = zip(*RECORDS_PER_PERSON.items(), strict=True)
    mean = float(np.dot(counts, shares))
    sizes = rng.choice(counts, size=int(n_records / mean) + 100, p=shares)
    while sizes.sum() < n_records:
        sizes = np.concatenate([sizes, rng.choice(counts, size=100, p=shares)])
    keep = int(np.searchsorted(np.cumsum(sizes), n_records)) + 1
    return sizes[:keep]


def _zipf_choice(pool: np.ndarray, size: int, rng: np.random.Generator, s: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(pool) + 1) ** s
    return pool[rng.choice(len(pool), size=size, p=weights / weights.sum())]


def _name_pools(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rare_given = sorted(
        {formal for formals in nickname_table().values() for formal in formals}
        - set(MALE)
        - set(FEMALE)
    )
    rng.shuffle(rare_given)
    half = len(rare_given) // 2
    male = np.asarray(MALE + rare_given[:half], dtype=object)
    female = np.asarray(FEMALE + rare_given[half:], dtype=object)
    invented = sorted(
        {o + c for o in _ONSETS for c in _CODAS}
        | {o + v + c for o in _ONSETS for v in ("a", "e", "i", "o") for c in _CODAS}
    )
    rng.shuffle(invented)
    surnames = np.asarray(SURNAMES + [s for s in invented if s not in SURNAMES], dtype=object)
    return male, female, surnames


def _people(
    n: int, rng: np.random.Generator, twin_share: float, household_share: float
) -> dict[str, np.ndarray]:
    male, female, surnames = _name_pools(rng)
    sex = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    given = np.where(
        sex == "M", _zipf_choice(male, n, rng, 0.75), _zipf_choice(female, n, rng, 0.75)
    )
    family = _zipf_choice(surnames, n, rng, 0.6)
    days = rng.integers(0, (2010 - 1935) * 365, n)
    dob = (np.datetime64("1935-01-01") + days.astype("timedelta64[D]")).astype(str).astype(object)
    address = _addresses(n, rng)
    phone = np.asarray(
        [
            f"{a}{b:07d}"
            for a, b in zip(rng.integers(201, 990, n), rng.integers(0, 10**7, n), strict=True)
        ],
        dtype=object,
    )
    phone[rng.random(n) < 0.3] = None
    # households: share the address (and often the surname and phone) of an earlier person
    joins = np.flatnonzero((rng.random(n) < household_share) & (np.arange(n) > 0))
    for i in joins:
        j = int(rng.integers(0, i))
        address[i] = address[j]
        if rng.random() < 0.7:
            family[i] = family[j]
        if rng.random() < 0.5:
            phone[i] = phone[j]
    # twins: everything of the sibling but the given name (and maybe the sex)
    for i in np.flatnonzero((rng.random(n) < twin_share) & (np.arange(n) > 0)):
        j = i - 1
        family[i], dob[i], address[i], phone[i] = family[j], dob[j], address[j], phone[j]
        pool = male if sex[i] == "M" else female
        while given[i] == given[j]:
            given[i] = pool[rng.integers(0, 200)]
    return {
        "given": given,
        "family": family,
        "dob": dob,
        "sex": sex,
        "address": address,
        "phone": phone,
    }


def _addresses(n: int, rng: np.random.Generator) -> np.ndarray:
    _, _, surnames = _name_pools(np.random.default_rng(1))
    streets = np.concatenate(
        [
            np.asarray(
                ["main", "oak", "maple", "cedar", "park", "elm", "pine", "lake", "hill", "church"],
                dtype=object,
            ),
            surnames[:3000],
        ]
    )
    street = _zipf_choice(streets, n, rng, 0.6)
    kind = np.asarray(STREET_TYPES, dtype=object)[rng.integers(0, len(STREET_TYPES), n)]
    city_idx = rng.integers(0, len(CITIES), n)
    numbers = rng.integers(1, 9999, n)
    zips = 10000 + city_idx * 97 + rng.integers(0, 4, n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        unit = f" apt {numbers[i] % 40 + 1}" if numbers[i] % 7 == 0 else ""
        out[i] = f"{numbers[i]} {street[i]} {kind[i]}{unit}, {CITIES[city_idx[i]]} {zips[i]}"
    return out


# -- corruption patterns -----------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_OCR = (
    ("m", "rn"),
    ("rn", "m"),
    ("l", "1"),
    ("i", "l"),
    ("o", "0"),
    ("s", "5"),
    ("b", "8"),
    ("e", "c"),
    ("cl", "d"),
    ("d", "cl"),
    ("u", "v"),
    ("w", "vv"),
    ("g", "9"),
    ("h", "b"),
    ("n", "ri"),
    ("a", "o"),
)


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip: insert, delete, substitute or swap two neighbours."""
    if len(text) < 2:
        return text
    i = int(rng.integers(0, len(text) - 1))
    kind = int(rng.integers(0, 4))
    letter = _LETTERS[int(rng.integers(0, 26))]
    if kind == 0:
        return text[:i] + letter + text[i:]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + letter + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def ocr(text: str, rng: np.random.Generator) -> str:
    """One or two confusions a scanner makes (rn/m, l/1, o/0, cl/d ...)."""
    for _ in range(int(rng.integers(1, 3))):
        options = [(a, b) for a, b in _OCR if a in text[1:]] or [
            (a, b) for a, b in _OCR if a in text
        ]
        if not options:
            return text
        a, b = options[int(rng.integers(0, len(options)))]
        starts = [k for k in range(len(text)) if text.startswith(a, k)]
        k = starts[int(rng.integers(0, len(starts)))]
        text = text[:k] + b + text[k + len(a) :]
    return text


def drop_letters(text: str, rng: np.random.Generator) -> str:
    """One or two letters left out (vowels more often, as in hurried notes)."""
    for _ in range(int(rng.integers(1, 3))):
        if len(text) < 4:
            return text
        vowels = [k for k in range(1, len(text)) if text[k] in "aeiou"]
        k = (
            vowels[int(rng.integers(0, len(vowels)))]
            if vowels and rng.random() < 0.7
            else int(rng.integers(1, len(text)))
        )
        text = text[:k] + text[k + 1 :]
    return text


def _apply(column: np.ndarray, chosen: np.ndarray, fn: Callable[[str], object]) -> None:
    for i in chosen:
        if column[i] is not None:
            column[i] = fn(column[i])


def _nickname(cols: _Columns, chosen: np.ndarray) -> None:
    table: dict[str, list[str]] = {}
    for nick, formals in nickname_table().items():
        for formal in formals:
            if formal != nick:
                table.setdefault(formal, []).append(nick)
    for formal in table:
        table[formal].sort()

    def swap(name: str) -> str:
        options = table.get(name.lower())
        return options[int(cols.rng.integers(0, len(options)))] if options else name

    _apply(cols.given, chosen, swap)


def _swap_day_month(cols: _Columns, chosen: np.ndarray) -> None:
    def swap(iso: str) -> str:
        y, m, d = iso.split("-")
        return f"{y}-{d}-{m}" if int(d) <= 12 else iso

    _apply(cols.dob, chosen, swap)


def _dob_typo(cols: _Columns, chosen: np.ndarray) -> None:
    def slip(iso: str) -> str:
        y, m, d = (int(p) for p in iso.split("-"))
        part = int(cols.rng.integers(0, 3))
        if part == 0:
            y += int(cols.rng.choice([-10, -1, 1, 10]))
        elif part == 1:
            m = m % 12 + 1
        else:
            d = min(28, d + 1) if d < 28 else d - 1
        return f"{y:04d}-{m:02d}-{d:02d}"

    _apply(cols.dob, chosen, slip)


def _moved(cols: _Columns, chosen: np.ndarray) -> None:
    fresh = _addresses(len(chosen), cols.rng)
    for k, i in enumerate(chosen):
        cols.address[i] = fresh[k]
        if cols.rng.random() < 0.5:
            cols.phone[i] = (
                f"{int(cols.rng.integers(201, 990))}{int(cols.rng.integers(0, 10**7)):07d}"
            )


def _format_noise(cols: _Columns, chosen: np.ndarray) -> None:
    def noisy(text: str) -> str:
        style = int(cols.rng.integers(0, 3))
        return (
            text.upper()
            if style == 0
            else f" {text.title()} "
            if style == 1
            else text.replace(" ", "  ")
        )

    for column in (cols.given, cols.family, cols.address):
        _apply(column, chosen, noisy)
    _apply(cols.phone, chosen, lambda p: f"({p[:3]}) {p[3:6]}-{p[6:]}")


def _transpose_names(cols: _Columns, chosen: np.ndarray) -> None:
    cols.given[chosen], cols.family[chosen] = cols.family[chosen], cols.given[chosen].copy()


def _hyphenate(cols: _Columns, chosen: np.ndarray) -> None:
    """A double-barrelled surname in one record, only its first half in another."""
    others = cols.family[cols.rng.integers(0, len(cols.family), len(chosen))]
    for other, i in zip(others, chosen, strict=True):
        if cols.family[i] is not None and other is not None:
            cols.family[i] = f"{cols.family[i]}-{other}"


def _married(cols: _Columns, chosen: np.ndarray) -> None:
    others = cols.family[cols.rng.integers(0, len(cols.family), len(chosen))]
    for other, i in zip(others, chosen, strict=True):
        if cols.sex[i] == "F":
            cols.family[i] = other


def _missing(column: str) -> Callable[[_Columns, np.ndarray], None]:
    def corrupt(cols: _Columns, chosen: np.ndarray) -> None:
        getattr(cols, column)[chosen] = None

    return corrupt


def _text(column: str, fn: Callable[[str, np.random.Generator], str]):
    def corrupt(cols: _Columns, chosen: np.ndarray) -> None:
        _apply(getattr(cols, column), chosen, lambda v: fn(v, cols.rng))

    return corrupt


CORRUPTIONS: dict[str, Callable[[_Columns, np.ndarray], None]] = {
    "typo_given": _text("given", typo),
    "typo_family": _text("family", typo),
    "typo_address": _text("address", typo),
    "nickname": _nickname,
    "swap_day_month": _swap_day_month,
    "dob_typo": _dob_typo,
    "missing_dob": _missing("dob"),
    "missing_sex": _missing("sex"),
    "missing_address": _missing("address"),
    "missing_phone": _missing("phone"),
    "missing_given": _missing("given"),
    "moved": _moved,
    "format_noise": _format_noise,
    # not in the defaults: patterns to test robustness with
    "ocr_given": _text("given", ocr),
    "ocr_family": _text("family", ocr),
    "ocr_address": _text("address", ocr),
    "drop_letters_given": _text("given", drop_letters),
    "drop_letters_family": _text("family", drop_letters),
    "transpose_names": _transpose_names,
    "hyphenated_surname": _hyphenate,
    "married_name": _married,
    "initial_only": _text("given", lambda v, rng: v[:1]),
}


# -- scoring -----------------------------------------------------------------------------


def _choose2(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def score_clusters(clusters: Mapping[str, object], truth: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision, recall and F1 of clusters against `person_id`, without pairs.

    Pairs within a predicted cluster are predicted links; pairs within a person are true
    links; the pairs in both are counted per (cluster, person) group.
    """
    frame = pd.DataFrame(
        {"cluster": truth["unique_id"].map(clusters), "person": truth["person_id"].to_numpy()}
    )
    frame["cluster"] = frame["cluster"].fillna(truth["unique_id"])
    predicted = _choose2(frame.groupby("cluster").size().to_numpy())
    actual = _choose2(frame.groupby("person").size().to_numpy())
    correct = _choose2(frame.groupby(["cluster", "person"]).size().to_numpy())
    return _prf(correct, predicted, actual)


def score_pairs(pairs: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision, recall and F1 of linked pairs against `person_id`."""
    person = pd.Series(truth["person_id"].to_numpy(), index=truth["unique_id"].to_numpy())
    left = pairs["unique_id_l"].map(person).to_numpy()
    right = pairs["unique_id_r"].map(person).to_numpy()
    actual = _choose2(truth.groupby("person_id").size().to_numpy())
    return _prf(int((left == right).sum()), len(pairs), actual)


def _prf(correct: int, predicted: int, actual: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    records = generate(args.records, seed=args.seed)
    sizes = records.groupby("person_id").size()
    summary = {
        "records": len(records),
        "people": int(sizes.size),
        "true_pairs": _choose2(sizes.to_numpy()),
        "sample": records.head(3).astype(str).to_dict(orient="records"),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
