import pytest

from tandem.plans import services
from tests.followups.conftest import clinical_supervisor

SAFETY = {
    "safety_concerns": "Large dog in the yard.",
    "approach_advice": "One person speaks; use his first name.",
    "contacts": [{"name": "Ana Reyes", "relationship": "sister", "phone": "555 0100 22"}],
}
CLINICAL = {
    "baseline_behavior": "CLINBASE quiet, follows routines",
    "triggers": "CLINTRIG loud voices",
    "what_helps": "CLINHELP music",
}


@pytest.fixture
def plan_region(region):
    region.supervisor = clinical_supervisor(region)
    return region


def approved_plan(region, **extra):
    plan = services.plan_create(
        actor=region.clinician, person_id=region.person.pk, **{**SAFETY, **CLINICAL, **extra}
    )
    services.plan_submit(actor=region.clinician, plan_id=plan.pk)
    return services.plan_approve(actor=region.supervisor, plan_id=plan.pk)
