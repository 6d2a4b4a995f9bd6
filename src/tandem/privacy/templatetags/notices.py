"""`{% part2_notice record %}`: the 42 CFR 2.32 notice next to Part 2 data disclosed to
someone outside the owning program. Renders nothing for the program's own staff; a page
that uses it is not stamped again at the top by `RedisclosureNoticeMiddleware`."""

from django import template

from tandem.privacy.notices import notice_context

register = template.Library()


@register.inclusion_tag("privacy/_part2_notice_slot.html")
def part2_notice(record):
    return {"show": bool(getattr(record, "redisclosure_notice", "")), **notice_context()}
