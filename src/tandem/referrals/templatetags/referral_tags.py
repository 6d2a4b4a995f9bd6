"""`{% encounter_referrals encounter %}`: the referrals block of an encounter's page."""

from django import template

from tandem.referrals import selectors

register = template.Library()


@register.inclusion_tag("referrals/_encounter_referrals.html", takes_context=True)
def encounter_referrals(context, encounter) -> dict:
    user = context["request"].user
    can_refer = encounter.person_id is not None and selectors.can_refer_from(
        actor=user, encounter=encounter
    )
    return {
        "encounter": encounter,
        "referrals": selectors.referral_list(actor=user, encounter_id=encounter.pk, limit=50),
        "can_refer": can_refer and user.has_perm_in(selectors.REFER_PERMISSION),
    }
