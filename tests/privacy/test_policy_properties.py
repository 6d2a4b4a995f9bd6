"""The policy against an independent statement of its rules, over generated cases.

Hypothesis draws a reader's memberships (role x agency, over every agency kind), a
record (its owning agency, the agency of the call it came from, whether the reader is
on the team sent), the person's consents (recipients, Part 2 or not, expired, revoked,
or about somebody else), the data-sharing agreements between agencies (direction,
segments, in force or not) and an emergency access the reader may have opened. Each
case is written to the database inside a transaction that is rolled back, and the
policy's answer is compared with `Rules`, written from docs/privacy.md and the policy
module's docstring, not from its code.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tandem.accounts.models import Membership, User
from tandem.accounts.roles import Role
from tandem.agencies.models import Agency, AgencyKind, Team, TeamMember
from tandem.core.models import service_write
from tandem.directory.models import Service
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.people.models import Person
from tandem.privacy import policy
from tandem.privacy.models import (
    AgreementDirection,
    Consent,
    DataSharingAgreement,
    EmergencyAccess,
    EmergencyBasis,
)
from tandem.privacy.segments import (
    CJI,
    CLINICAL,
    PART2,
    PSYCHOTHERAPY,
    SAFETY,
    segmented_fields,
)
from tandem.referrals.models import Referral

# The region: two police departments, a 911 center, two behavioral-health providers,
# a hospital and the regional administrator.
KINDS = {
    "lakeview-pd": AgencyKind.POLICE,
    "hillside-pd": AgencyKind.POLICE,
    "county-911": AgencyKind.PSAP,
    "harbor-clinic": AgencyKind.BEHAVIORAL_HEALTH,
    "valley-bh": AgencyKind.BEHAVIORAL_HEALTH,
    "st-mary": AgencyKind.HOSPITAL,
    "regional-council": AgencyKind.REGIONAL_ADMIN,
}
AGENCIES = sorted(KINDS)
OWNERS = ["harbor-clinic", "valley-bh", "lakeview-pd"]  # who holds encounters

# The rules' vocabulary, as docs/privacy.md states it.
CASEWORK = {Role.DISPATCHER, Role.OFFICER, Role.CLINICIAN, Role.NAVIGATOR, Role.SUPERVISOR}
POLICE = {Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR}
CLINICAL_STAFF = {Role.CLINICIAN, Role.NAVIGATOR, Role.SUPERVISOR}
THERAPISTS = {Role.CLINICIAN, Role.SUPERVISOR}  # psychotherapy notes; also who may break glass
POLICE_KINDS = {AgencyKind.POLICE, AgencyKind.PSAP}
HEALTH = {CLINICAL, PART2, PSYCHOTHERAPY}


@dataclass(frozen=True)
class ConsentCase:
    discloser: str
    recipients: frozenset[str]
    part2: bool
    state: str  # "active", "expired", "revoked", or "other person" (opens nothing here)


@dataclass(frozen=True)
class AgreementCase:
    discloser: str
    receiver: str
    both_ways: bool
    segments: frozenset[str]
    term: str  # "in force", "not started", "lapsed" (past its end date), "ended" early


@dataclass(frozen=True)
class Case:
    memberships: tuple[tuple[str, str], ...]  # (role, agency)
    owner: str
    call_agency: str | None
    on_team: bool
    consents: tuple[ConsentCase, ...] = field(default=())
    agreements: tuple[AgreementCase, ...] = field(default=())
    emergency: str | None = None  # a basis, or "expired"; opened by the reader


CONSENT_STATES = ["active", "active", "expired", "revoked", "other person"]
memberships = st.lists(
    st.tuples(st.sampled_from(Role.values), st.sampled_from(AGENCIES)),
    min_size=1,
    max_size=2,
    unique=True,
).map(tuple)


@st.composite
def cases(draw) -> Case:
    """Consents and agreements lean towards the reader's and the owner's agencies, so
    that the cases where one condition alone decides (a revoked consent with an agreement
    in force, a consent without Part 2) come up often, not once in thousands."""
    ms = draw(memberships)
    owner = draw(st.sampled_from(OWNERS))
    in_play = st.sampled_from(sorted({owner, *(a for _, a in ms)}))
    agency = st.one_of(in_play, st.sampled_from(AGENCIES))
    discloser = st.one_of(st.just(owner), st.sampled_from(OWNERS))
    consent = st.builds(
        ConsentCase,
        discloser=discloser,
        recipients=st.frozensets(agency, min_size=1, max_size=3),
        part2=st.booleans(),
        state=st.sampled_from(CONSENT_STATES),
    )
    agreement = st.builds(
        AgreementCase,
        discloser=discloser,
        receiver=agency,
        both_ways=st.booleans(),
        segments=st.frozensets(st.sampled_from([CLINICAL, PART2, SAFETY]), min_size=1),
        term=st.sampled_from(["in force", "in force", "not started", "lapsed", "ended"]),
    )
    return Case(
        memberships=ms,
        owner=owner,
        call_agency=draw(st.sampled_from(["lakeview-pd", "hillside-pd", None])),
        on_team=draw(st.booleans()),
        consents=tuple(draw(st.lists(consent, max_size=3))),
        agreements=tuple(draw(st.lists(agreement, max_size=3))),
        emergency=draw(st.sampled_from([None, None, *EmergencyBasis.values, "expired"])),
    )


@st.composite
def cross_agency_cases(draw) -> Case:
    """Another provider's clinician on the team sent, and the one consent and one
    agreement that decide what crosses to them, each varied in every respect (Part 2 or
    not, state; direction, segments, term), plus the generated case's own as noise."""
    case = draw(cases())
    reader = "valley-bh" if case.owner == "harbor-clinic" else "harbor-clinic"
    consent = draw(
        st.builds(
            ConsentCase,
            discloser=st.just(case.owner),
            recipients=st.just(frozenset({reader})),
            part2=st.booleans(),
            state=st.sampled_from(CONSENT_STATES),
        )
    )
    ends = draw(st.sampled_from([(case.owner, reader), (reader, case.owner)]))
    agreement = draw(
        st.builds(
            AgreementCase,
            discloser=st.just(ends[0]),
            receiver=st.just(ends[1]),
            both_ways=st.booleans(),
            segments=st.frozensets(st.sampled_from([CLINICAL, PART2, SAFETY]), min_size=1),
            term=st.sampled_from(["in force", "in force", "not started", "lapsed", "ended"]),
        )
    )
    return replace(
        case,
        memberships=((draw(st.sampled_from(sorted(CLINICAL_STAFF))), reader),),
        call_agency="lakeview-pd",
        on_team=True,
        consents=(consent, *case.consents),
        agreements=(agreement, *case.agreements),
        emergency=None,
    )


class Rules:
    """What docs/privacy.md allows for one case: an upper bound the policy must keep."""

    def __init__(self, case: Case):
        self.case = case
        ms = case.memberships
        self.casework = any(role in CASEWORK for role, _ in ms)
        self.police = {a for role, a in ms if role in POLICE and KINDS[a] in POLICE_KINDS}
        self.psap = any(KINDS[a] == AgencyKind.PSAP for a in self.police)
        self.clinical = {
            a
            for role, a in ms
            if role in CLINICAL_STAFF and KINDS[a] == AgencyKind.BEHAVIORAL_HEALTH
        }
        self.therapists = {
            a for role, a in ms if role in THERAPISTS and KINDS[a] == AgencyKind.BEHAVIORAL_HEALTH
        }
        # Emergency access: opened by a clinician or clinical supervisor of a provider;
        # a medical emergency (42 CFR 2.51) opens clinical and Part 2, a serious threat
        # (HIPAA 164.512(j)) clinical only; an expired one nothing.
        opened = {
            EmergencyBasis.MEDICAL_EMERGENCY: {CLINICAL, PART2},
            EmergencyBasis.SERIOUS_THREAT: {CLINICAL},
        }
        self.emergency = opened.get(case.emergency, set()) if self.therapists else set()

    def row(self) -> bool:
        """An encounter: the owning agency's casework staff; police or 911 staff of the
        call's agency; the team sent; a clinician in an emergency access. Roles without
        casework: no rows at all.
        The 911 center is given calls, not what followed them.
        """
        c = self.case
        if not self.casework:
            return False
        members = {a for role, a in c.memberships if role in CASEWORK}
        return (
            c.owner in members
            or c.call_agency in self.police
            or (c.on_team and c.call_agency is not None)
            or bool(self.emergency)
        )

    def _consented(self, agency: str, seg: str) -> bool:
        """An active consent of this person, given by the record's owner (who may make
        the disclosure), naming the agency, covering Part 2 if that is asked."""
        return any(
            k.discloser == self.case.owner
            and agency in k.recipients
            and k.state == "active"
            and (k.part2 or seg != PART2)
            for k in self.case.consents
        )

    def _agreed(self, agency: str, seg: str) -> bool:
        """An agreement in force lets `seg` flow from the record's owner to the agency."""
        owner = self.case.owner
        return any(
            a.term == "in force"
            and seg in a.segments
            and (
                (a.discloser, a.receiver) == (owner, agency)
                or (a.both_ways and (a.discloser, a.receiver) == (agency, owner))
            )
            for a in self.case.agreements
        )

    def _shared(self, seg: str) -> bool:
        """Across agencies: consent AND agreement, for one and the same reading agency."""
        return any(self._consented(a, seg) and self._agreed(a, seg) for a in self.clinical)

    def segments(self) -> set[str]:
        c = self.case
        allowed = {SAFETY}
        if self.police & {c.owner, c.call_agency} or (self.psap and c.call_agency):
            allowed.add(CJI)
        for seg in (CLINICAL, PART2):
            if c.owner in self.clinical or self._shared(seg) or seg in self.emergency:
                allowed.add(seg)
        if c.owner in self.therapists:  # never by consent, agreement or emergency
            allowed.add(PSYCHOTHERAPY)
        return allowed


@pytest.fixture
def agencies(db):
    admin = Agency.objects.create(
        code="regional-council", name="Council", kind=AgencyKind.REGIONAL_ADMIN
    )
    made = {"regional-council": admin}
    for code, kind in KINDS.items():
        if code not in made:
            made[code] = Agency.objects.create(
                code=code, name=code, kind=kind, owning_agency=admin, part2_program=True
            )
    return made


def build(case: Case, agencies: dict[str, Agency]):
    """Write the case; returns (user, encounter, call)."""
    now, today = timezone.now(), timezone.localdate()
    user = User.objects.create(username="reader")
    for role, code in case.memberships:
        Membership.objects.create(user=user, owning_agency=agencies[code], role=role)
    person = Person.objects.create(
        owning_agency=agencies[case.owner], given_name="Dana", family_name="Reyes"
    )
    somebody = Person.objects.create(
        owning_agency=agencies[case.owner], given_name="Sam", family_name="Other"
    )
    call = assignment = None
    if case.call_agency is not None:
        call = Call.objects.create(
            owning_agency=agencies[case.call_agency],
            number="C-1",
            source="911",
            received_at=now,
            call_type="EDP",
            narrative="Police narrative of the call.",
            subject=person,
        )
        team = Team.objects.create(
            owning_agency=agencies["lakeview-pd"], code="t", call_sign="T-1", name="Team"
        )
        assignment = Assignment.objects.create(
            owning_agency=team.owning_agency, call=call, team=team, assigned_at=now
        )
        if case.on_team:
            TeamMember.objects.create(owning_agency=team.owning_agency, team=team, user=user)
    with service_write():
        encounter = Encounter.objects.create(
            owning_agency=agencies[case.owner],
            call=call,
            assignment=assignment,
            person=person,
            started_at=now,
            clinical_notes="clinical",
            substance_use_notes="part2",
            police_narrative="cji",
            safety_notes="safety",
            psychotherapy_notes="psychotherapy",
        )
        for k in case.consents:
            consent = Consent.objects.create(
                owning_agency=agencies[k.discloser],
                person=somebody if k.state == "other person" else person,
                recipient_description="x",
                information_description="x",
                includes_part2=k.part2,
                purpose="x",
                revocation_statement="x",
                signed_by="x",
                signed_at=now - timedelta(days=30),
                expires_at=now - timedelta(days=1) if k.state == "expired" else None,
                revoked_at=now - timedelta(hours=1) if k.state == "revoked" else None,
            )
            consent.recipients.set([agencies[r] for r in k.recipients])
        for a in case.agreements:
            DataSharingAgreement.objects.create(
                owning_agency=agencies[a.discloser],
                disclosing_agency=agencies[a.discloser],
                receiving_agency=agencies[a.receiver],
                direction=AgreementDirection.BOTH_WAYS
                if a.both_ways
                else AgreementDirection.ONE_WAY,
                segments=sorted(a.segments),
                purpose="x",
                document_reference="x",
                **TERMS[a.term](today),
            )
    if case.emergency is not None:
        basis = EmergencyBasis.MEDICAL_EMERGENCY if case.emergency == "expired" else case.emergency
        until = (
            now - timedelta(minutes=1) if case.emergency == "expired" else now + timedelta(hours=1)
        )
        EmergencyAccess.objects.create(
            owning_agency=agencies[case.memberships[0][1]],
            recipient=user,
            recipient_affiliation="x",
            person=person,
            legal_basis=basis,
            nature_of_emergency="x",
            reason="x",
            disclosed_by="x",
            started_at=now - timedelta(hours=1),
            expires_at=until,
        )
    return User.objects.get(pk=user.pk), encounter, call


# An agreement's term, relative to today.
TERMS = {
    "in force": lambda today: {"starts_on": today - timedelta(days=30)},
    "not started": lambda today: {"starts_on": today + timedelta(days=1)},
    "lapsed": lambda today: {
        "starts_on": today - timedelta(days=30),
        "ends_on": today - timedelta(days=1),
    },
    "ended": lambda today: {
        "starts_on": today - timedelta(days=30),
        "ended_at": timezone.now() - timedelta(hours=1),
    },
}


def rolled_back(check):
    """Run one generated case inside a transaction that is always rolled back."""

    def run(*args, **kwargs):
        with transaction.atomic():
            try:
                check(*args, **kwargs)
            finally:
                transaction.set_rollback(True)

    return run


PROPERTY = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@PROPERTY
@given(case=cases())
def test_the_policy_never_grants_what_the_rules_forbid(agencies, case):
    note(f"{case}")

    @rolled_back
    def check():
        user, encounter, call = build(case, agencies)
        rules = Rules(case)
        visible = policy.scope(user, Encounter.objects.filter(pk=encounter.pk)).exists()
        assert visible <= rules.row(), "a row the rules do not open"
        if not visible:
            return
        record = Encounter.objects.get(pk=encounter.pk)
        readable = policy.readable_segments(user, record)
        assert readable <= rules.segments(), f"granted {set(readable) - rules.segments()}"
        policy.redact(user, record)
        for name, seg in segmented_fields(Encounter).items():
            if seg not in rules.segments():
                assert getattr(record, name) in (None, "", False, []), f"{name} ({seg}) shown"

    check()


@pytest.mark.django_db
@PROPERTY
@given(case=cases())
def test_health_data_goes_exactly_where_the_rules_send_it(agencies, case):
    """The other direction, so the bound above cannot hold by the policy granting
    nothing: clinical and Part 2 reach every reader the rules open them to."""

    @rolled_back
    def check():
        user, encounter, _ = build(case, agencies)
        rules = Rules(case)
        if not policy.scope(user, Encounter.objects.filter(pk=encounter.pk)).exists():
            return
        readable = policy.readable_segments(user, Encounter.objects.get(pk=encounter.pk))
        assert readable & HEALTH == rules.segments() & HEALTH

    check()


@pytest.mark.django_db
@PROPERTY
@given(case=cross_agency_cases())
def test_another_provider_reads_health_data_only_with_consent_and_agreement_in_force(
    agencies, case
):
    note(f"{case}")

    @rolled_back
    def check():
        user, encounter, _ = build(case, agencies)
        record = policy.scope(user, Encounter.objects.filter(pk=encounter.pk)).get()
        readable = policy.readable_segments(user, record)
        assert readable & HEALTH == Rules(case).segments() & HEALTH

    check()


@pytest.mark.django_db
@PROPERTY
@given(case=cases())
def test_police_roles_never_read_health_data_whatever_consents_and_agreements_say(agencies, case):
    police_only = tuple(
        dict.fromkeys(
            (role if role in POLICE else Role.OFFICER, a if KINDS[a] in POLICE_KINDS else a_pd)
            for (role, a), a_pd in zip(
                case.memberships, ["hillside-pd", "lakeview-pd"], strict=False
            )
        )
    )
    # Every consent names every agency, the police departments included, and every
    # agreement shares every segment both ways with everyone.
    consents = tuple(
        ConsentCase(c.discloser, frozenset(AGENCIES), True, "active") for c in case.consents
    )
    agreements = tuple(
        AgreementCase(c.discloser, a, True, frozenset({CLINICAL, PART2}), "in force")
        for c in case.consents
        for a in AGENCIES
    )
    case = Case(police_only, case.owner, case.call_agency, case.on_team, consents, agreements)

    @rolled_back
    def check():
        user, encounter, call = build(case, agencies)
        rows = policy.scope(user, Encounter.objects.filter(pk=encounter.pk))
        for record in rows:
            assert not policy.readable_segments(user, record) & HEALTH

    check()


@pytest.mark.django_db
@PROPERTY
@given(case=cases())
def test_psychotherapy_notes_never_leave_the_authors_agency(agencies, case):
    """Whatever consents, agreements (even one that lists the segment) and emergency
    access say, another agency's clinicians never read a psychotherapy note."""
    elsewhere = next(a for a in ("harbor-clinic", "valley-bh") if a != case.owner)
    memberships = (
        (Role.CLINICIAN, elsewhere),
        *((r, a) for r, a in case.memberships if a != case.owner),
    )
    everything = frozenset({CLINICAL, PART2, PSYCHOTHERAPY})
    case = Case(
        tuple(dict.fromkeys(memberships)),
        case.owner,
        case.call_agency,
        True,
        (ConsentCase(case.owner, frozenset(AGENCIES), True, "active"),),
        (AgreementCase(case.owner, elsewhere, True, everything, "in force"),),
        EmergencyBasis.MEDICAL_EMERGENCY,
    )

    @rolled_back
    def check():
        user, encounter, _ = build(case, agencies)
        record = policy.scope(user, Encounter.objects.filter(pk=encounter.pk)).get()
        assert PSYCHOTHERAPY not in policy.readable_segments(user, record)
        assert CLINICAL in policy.readable_segments(user, record)  # the rest does flow
        policy.redact(user, record)
        assert record.psychotherapy_notes == ""

    check()


@pytest.mark.django_db
@PROPERTY
@given(case=cases())
def test_roles_without_casework_see_no_person_level_rows(agencies, case):
    aggregate_only = [Role.ANALYST, Role.REGIONAL_ADMIN, Role.PRIVACY_OFFICER, Role.SYSTEM_ADMIN]
    memberships = tuple((aggregate_only[i % 4], a) for i, (_, a) in enumerate(case.memberships))
    case = Case(memberships, case.owner, case.call_agency, True, case.consents, case.agreements)

    @rolled_back
    def check():
        user, _, _ = build(case, agencies)
        for model in (Call, Encounter, Person, Consent, Referral):
            assert not policy.scope(user, model.objects.all()).exists(), model.__name__

    check()


@pytest.mark.django_db
@PROPERTY
@given(
    memberships=memberships,
    owner=st.sampled_from(["harbor-clinic", "valley-bh"]),
    receiver=st.sampled_from(["harbor-clinic", "valley-bh", "st-mary"]),
)
def test_a_referral_is_seen_only_by_clinical_staff_of_either_end(
    agencies, memberships, owner, receiver
):
    case = Case(memberships, owner, None, False)

    @rolled_back
    def check():
        user, encounter, _ = build(case, agencies)
        service = Service.objects.create(
            owning_agency=agencies[receiver], name="Detox", organization_name="x", category="detox"
        )
        now = timezone.now()
        with service_write():
            Referral.objects.create(
                owning_agency=agencies[owner],
                encounter=encounter,
                person=encounter.person,
                service=service,
                sent_at=now,
                status_changed_at=now,
            )
        visible = policy.scope(user, Referral.objects.all()).exists()
        assert visible == bool(Rules(case).clinical & {owner, receiver})

    check()


def test_the_911_center_is_not_given_the_encounters_that_followed_a_call(region):
    assert not policy.scope(region.dispatcher, Encounter.objects.all()).exists()
