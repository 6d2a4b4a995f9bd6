"""Cost avoided: what the recorded outcomes would have cost had the program not existed.

A program states its unit costs and counterfactual assumptions in its program file
(`unit_costs:`, validated by `UnitCostsSpec`); each figure is a low / expected / high
range. The result is computed from recorded dispositions (the `diverted_from_jail` and
`diverted_from_hospital` flags) and from officer time returned to patrol, three times:
once with every low figure, once with every expected one and once with every high one.
The assumptions travel with the result so a reader sees what was assumed beside the
money.

The defaults are national figures, rounded, and stated with their sources in
`SOURCES`; a region should replace them with its own county's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

LEVELS = ("low", "expected", "high")


class Range(BaseModel):
    """low <= expected <= high; a bare number means all three."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: Annotated[float, Field(ge=0)]
    expected: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]

    @model_validator(mode="before")
    @classmethod
    def _scalar(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"low": value, "expected": value, "high": value}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.expected <= self.high:
            raise PydanticCustomError(
                "range_order",
                "expected low <= expected <= high; got {low}, {expected}, {high}",
                {"low": self.low, "expected": self.expected, "high": self.high},
            )
        return self

    def at(self, level: str) -> float:
        return float(getattr(self, level))


def _range(low: float, expected: float, high: float) -> Range:
    return Range(low=low, expected=expected, high=high)


def _share(value: Range) -> Range:
    if value.high > 1:
        raise PydanticCustomError(
            "share", "expected a share from 0 to 1; got {got}", {"got": value.high}
        )
    return value


Share = Annotated[Range, AfterValidator(_share)]


class UnitCostsSpec(BaseModel):
    """The program file's `unit_costs:` section. Money is in `currency` of `year`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: Annotated[str, Field(min_length=3, max_length=3)] = "USD"
    year: Annotated[int, Field(ge=1990, le=2100)] = 2024
    # Unit costs.
    jail_booking: Range = _range(100, 250, 500)
    jail_bed_day: Range = _range(80, 130, 250)
    ed_visit: Range = _range(500, 800, 1500)
    inpatient_day: Range = _range(800, 1200, 2000)
    officer_hour: Range = _range(45, 60, 80)
    court_case: Range = _range(300, 1000, 2500)
    # Counterfactual assumptions: what each diverted encounter would otherwise have cost.
    booking_share: Share = _range(0.5, 0.8, 1.0)
    jail_days: Range = _range(1, 3, 10)
    court_share: Share = _range(0.5, 0.8, 1.0)
    arrest_officer_hours: Range = _range(1.5, 2.5, 4)
    ed_share: Share = _range(0.7, 0.9, 1.0)
    admission_share: Share = _range(0.1, 0.2, 0.3)
    inpatient_days: Range = _range(3, 5, 7)


# Where each default comes from. [U] marks a figure that is a judgement to confirm locally.
SOURCES: dict[str, str] = {
    "jail_booking": "[U] intake and booking staff time; no national figure. Use your "
    "sheriff's booking cost.",
    "jail_bed_day": "Vera Institute of Justice, *The Price of Jails* (2015): $47,057 a year "
    "per person held, the average of 35 jails, so about $129 a day "
    "(https://www.vera.org/publications/the-price-of-jails-measuring-the-taxpayer-cost-of-"
    "local-incarceration).",
    "ed_visit": "HCUP Statistical Brief #268 (2020): 144.8 M ED visits cost $76.3 B in 2017, "
    "about $530 a visit (https://hcup-us.ahrq.gov/reports/statbriefs/sb268-ED-Costs-2017.jsp); "
    "visits for mental and substance-use disorders cost more (HCUP Statistical Brief #257), "
    "so the expected figure is set above the all-visit mean [U].",
    "inpatient_day": "[U] a psychiatric inpatient day; use your hospitals' cost reports.",
    "officer_hour": "BLS Occupational Employment and Wage Statistics, police and sheriff's "
    "patrol officers (SOC 33-3051): US mean wage about $38 an hour, loaded with benefits "
    "(about 1.6x for state and local government, BLS Employer Costs for Employee "
    "Compensation) [U for the loading].",
    "court_case": "[U] prosecution, defence and court time for a misdemeanour case.",
    "booking_share": "[U] share of diverted encounters that would have ended in a booking.",
    "jail_days": "[U] days held per booking; Stepping Up notes people with serious mental "
    "illness stay longer than others (https://stepuptogether.org/).",
    "court_share": "[U] share of bookings that become a court case.",
    "arrest_officer_hours": "[U] officer hours for an arrest: transport, booking, report.",
    "ed_share": "[U] share of hospital diversions that would have been an ED visit.",
    "admission_share": "[U] share of those ED visits ending in an inpatient admission.",
    "inpatient_days": "[U] length of an inpatient psychiatric stay.",
}

LABELS: dict[str, str] = {
    "jail_booking": "jail booking",
    "jail_bed_day": "jail bed-day",
    "ed_visit": "emergency department visit",
    "inpatient_day": "inpatient day",
    "officer_hour": "officer hour",
    "court_case": "court case",
    "booking_share": "diverted encounters that would have been booked",
    "jail_days": "days in jail per booking",
    "court_share": "bookings that would have gone to court",
    "arrest_officer_hours": "officer hours per arrest",
    "ed_share": "hospital diversions that would have been an ED visit",
    "admission_share": "of those, admitted as inpatients",
    "inpatient_days": "days per inpatient stay",
}


@dataclass(frozen=True)
class Outcomes:
    """What the records show: the counts the counterfactual is applied to."""

    diverted_from_jail: int
    diverted_from_hospital: int
    officer_hours_returned: float


@dataclass(frozen=True)
class CostAvoided:
    currency: str
    year: int
    outcomes: Outcomes
    # level -> component -> amount
    amounts: dict[str, dict[str, float]]
    assumptions: list[str]

    def total(self, level: str) -> float:
        return sum(self.amounts[level].values())


def cost_avoided(outcomes: Outcomes, spec: UnitCostsSpec | None = None) -> CostAvoided:
    """Low, expected and high cost avoided for the recorded outcomes."""
    spec = spec or UnitCostsSpec()
    amounts = {level: _components(outcomes, spec, level) for level in LEVELS}
    return CostAvoided(spec.currency, spec.year, outcomes, amounts, assumptions(spec))


def _components(o: Outcomes, s: UnitCostsSpec, level: str) -> dict[str, float]:
    def v(name: str) -> float:
        return getattr(s, name).at(level)

    per_jail_diversion = (
        v("booking_share") * (v("jail_booking") + v("jail_days") * v("jail_bed_day"))
        + v("booking_share") * v("court_share") * v("court_case")
        + v("arrest_officer_hours") * v("officer_hour")
    )
    per_hospital_diversion = v("ed_share") * (
        v("ed_visit") + v("admission_share") * v("inpatient_days") * v("inpatient_day")
    )
    return {
        "jail": round(o.diverted_from_jail * per_jail_diversion, 2),
        "hospital": round(o.diverted_from_hospital * per_hospital_diversion, 2),
        "officer_time": round(o.officer_hours_returned * v("officer_hour"), 2),
    }


def assumptions(spec: UnitCostsSpec) -> list[str]:
    """The counterfactual in words, with the figures used, to print beside the result."""

    def r(name: str, money: bool = False) -> str:
        x = getattr(spec, name)
        fmt = (lambda n: f"{n:,.0f} {spec.currency}") if money else (lambda n: f"{n:g}")
        return f"{fmt(x.low)} / {fmt(x.expected)} / {fmt(x.high)}"

    return [
        "Figures are low / expected / high; each total uses every low, expected or high "
        f"figure together. Money in {spec.currency} of {spec.year}.",
        "Each encounter diverted from jail would otherwise have been an arrest taking "
        f"{r('arrest_officer_hours')} officer hours at {r('officer_hour', True)} an hour; "
        f"{r('booking_share')} of them booked at {r('jail_booking', True)} and held "
        f"{r('jail_days')} days at {r('jail_bed_day', True)} a day; of those, "
        f"{r('court_share')} charged in a court case at {r('court_case', True)}.",
        "Each encounter diverted from hospital would otherwise have been an emergency "
        f"department visit in {r('ed_share')} of cases at {r('ed_visit', True)}, of which "
        f"{r('admission_share')} admitted for {r('inpatient_days')} days at "
        f"{r('inpatient_day', True)} a day.",
        "Officer time returned to patrol is valued at the officer hour "
        f"({r('officer_hour', True)}).",
        "Not counted: the program's own cost, later crises, and costs that fall on the "
        "person or family.",
    ]
