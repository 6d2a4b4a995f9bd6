"""The 42 CFR 2.32 notice that must travel with every disclosure of Part 2 information.

A disclosure is a read of a record's `part2` data by someone outside the program that
owns the record (by consent and agreement, or in an emergency). `selectors.disclose`
reports each one here; `RedisclosureNoticeMiddleware` then stamps the response:

- pages: the notice at the top of the main content, unless the page already placed it
  next to the data with `{% part2_notice record %}` (privacy/templatetags/notices.py);
- JSON (the API): a `redisclosure_notice` key when the body is an object, and always
  the `Redisclosure-Notice` header;
- CSV: the notice as the first line.

PDFs carry `PART2_REDISCLOSURE` in their footer (`tandem.core.pdf` imports it); other
exports import it too. The text is ASCII so that it fits an HTTP header unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.template.loader import render_to_string

# Statement 1 of 42 CFR 2.32(a)(1) as amended by the 2024 final rule (89 FR 12472), in
# parts so that pages can set the three cases as a list.
PART2_REDISCLOSURE_INTRO = (
    "This record which has been disclosed to you is protected by Federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, "
    "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance "
    "with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any "
    "other use or disclosure of this record unless at least one of the following applies:"
)
PART2_REDISCLOSURE_CASES = (
    "(A) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise "
    "permitted by 42 CFR part 2.",
    "(B) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or",
    "(C) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E.",
)
PART2_REDISCLOSURE_CLOSING = (
    "A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or "
    "redisclose the record (see 42 CFR 2.31)."
)
PART2_REDISCLOSURE = " ".join(
    (PART2_REDISCLOSURE_INTRO, *PART2_REDISCLOSURE_CASES, PART2_REDISCLOSURE_CLOSING)
)
# Statement 2, the abbreviated form 2.32(a)(2) allows where space is short.
PART2_REDISCLOSURE_SHORT = (
    "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
)

HEADER = "Redisclosure-Notice"
JSON_KEY = "redisclosure_notice"
PAGE_MARKER = "data-part2-notice"

# Set for the length of a request by the middleware; None outside one (tests, commands).
_disclosed: ContextVar[list | None] = ContextVar("part2_disclosures", default=None)


def needs_notice(user, record, disclosed_segments) -> bool:
    """Part 2 data of the record reached someone outside the program that owns it."""
    from tandem.privacy.segments import PART2

    return PART2 in disclosed_segments and record.owning_agency_id not in user.agency_ids()


def part2_disclosed(record) -> None:
    """Mark the record and the current response as carrying a Part 2 disclosure."""
    record.redisclosure_notice = PART2_REDISCLOSURE
    pending = _disclosed.get()
    if pending is not None:
        pending.append(record._meta.label_lower)


@contextmanager
def collecting():
    """Collect the Part 2 disclosures made while handling one request."""
    token = _disclosed.set([])
    try:
        yield _disclosed.get()
    finally:
        _disclosed.reset(token)


class RedisclosureNoticeMiddleware:
    """Stamps the 2.32 notice on every response that disclosed Part 2 data outward."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collecting() as disclosures:
            response = self.get_response(request)
        if disclosures and not response.streaming:
            stamp(response)
        return response


def stamp(response) -> None:
    response[HEADER] = PART2_REDISCLOSURE
    kind = response.get("Content-Type", "").split(";")[0].strip()
    body = response.content
    if kind == "text/html":
        body = _into_page(body.decode(response.charset)).encode(response.charset)
    elif kind == "application/json":  # not FHIR's own media type: a resource gains no key
        body = _into_json(body)
    elif kind == "text/csv":
        body = _csv_line().encode(response.charset) + body
    else:
        return
    response.content = body
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(body))


def notice_context() -> dict:
    """What `privacy/_part2_notice.html` renders."""
    return {
        "intro": PART2_REDISCLOSURE_INTRO,
        "cases": PART2_REDISCLOSURE_CASES,
        "closing": PART2_REDISCLOSURE_CLOSING,
    }


def _into_page(html: str) -> str:
    if PAGE_MARKER in html:
        return html  # the page placed the notice next to the data itself
    banner = render_to_string("privacy/_part2_notice_page.html", notice_context())
    main = re.search(r"<main\b[^>]*>", html) or re.search(r"<body\b[^>]*>", html)
    at = main.end() if main else 0
    return html[:at] + banner + html[at:]


def _into_json(body: bytes) -> bytes:
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body  # a list keeps its shape; the header carries the notice
    data[JSON_KEY] = PART2_REDISCLOSURE
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _csv_line() -> str:
    out = io.StringIO()
    csv.writer(out).writerow([PART2_REDISCLOSURE])
    return out.getvalue()
