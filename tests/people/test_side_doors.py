"""Names stay out of addresses: a person's name, birth date, phone or address is sent in a
request body, never in a URL, where access logs, proxies and browser history keep it."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tandem.people.services import person_create

pytestmark = pytest.mark.django_db

PERSONAL = {
    "given_name": "Robert",
    "family_name": "Okafor",
    "date_of_birth": "1979-02-03",
    "phone": "555-0100",
    "address": "12 Elm St",
}


@pytest.mark.parametrize("url", ["/people/matches/", "/api/people/matches"])
def test_the_match_endpoints_refuse_a_get_with_personal_parameters(region, client, url):
    client.force_login(region.dispatcher)
    response = client.get(url, PERSONAL)
    assert response.status_code == 405
    assert b"Okafor" not in response.content


def test_the_match_fragment_answers_a_post(region, client):
    person_create(actor=region.officer, given_name="Robert", family_name="Okafor")
    client.force_login(region.officer)
    response = client.post("/people/matches/", PERSONAL)
    assert response.status_code == 200
    assert "possible match" in response.content.decode()


def test_the_people_search_takes_the_name_in_the_body_and_pages_by_post(region, client):
    for n in range(3):
        person_create(actor=region.officer, given_name=f"Sam{n}", family_name="Okafor")
    client.force_login(region.officer)

    found = client.post("/people/", {"q": "Okafor"})
    html = found.content.decode()

    assert found.status_code == 200
    assert html.count("Okafor, Sam") == 3
    assert 'method="post" action="/people/"' in html
    assert not re.search(r'href="[^"]*Okafor', html)  # no link carries the name


def test_a_name_in_the_people_address_is_refused_and_explained(region, client):
    client.force_login(region.officer)
    response = client.get("/people/", {"q": "Reyes"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "names are not accepted in a page address" in html
    assert "Reyes" not in html


def test_the_api_searches_people_by_post_and_refuses_a_name_in_the_address(region, client):
    client.force_login(region.officer)
    assert client.get("/api/people", {"q": "Reyes"}).status_code == 400
    found = client.post("/api/people/search", {"q": "Reyes"}, content_type="application/json")
    assert [p["family_name"] for p in found.json()] == ["Reyes"]


def test_no_page_form_or_htmx_request_sends_a_person_field_by_get():
    """Every template: a GET form or hx-get must not carry a field named for a person."""
    from pathlib import Path

    import tandem

    person_fields = "|".join(["q", *PERSONAL])
    offenders = []
    for template in Path(tandem.__file__).parent.rglob("templates/**/*.html"):
        text = template.read_text()
        for form in re.findall(r'<form[^>]*method="get".*?</form>', text, flags=re.S | re.I):
            if re.search(rf'name="({person_fields})"', form):
                offenders.append(f"{template.name}: GET form")
        for tag in re.findall(r"<[^>]*hx-get=[^>]*>", text, flags=re.S):
            if re.search(rf'name="({person_fields})"|tandem-person__field|subject-entry', tag):
                offenders.append(f"{template.name}: hx-get")
    assert not offenders


def test_the_only_routes_that_look_for_a_person_field_in_the_query_string_refuse_it():
    """Walks every URL pattern and reads its view: one that touches the query string and
    names a person field (or the match form) must be in REFUSING, whose tests above show
    it turns the request away. A new view reading a name from a URL fails here."""
    import inspect

    refusing = {"tandem.people.views.person_list", "tandem.people.api.PersonList"}
    person_field = re.compile(r"[\"'](q|given_name|family_name|date_of_birth|phone|address)[\"']")
    reading = set()
    for pattern in _patterns(get_resolver().url_patterns):
        view = inspect.unwrap(getattr(pattern.callback, "view_class", pattern.callback))
        source = inspect.getsource(view)
        if re.search(r"request\.GET|query_params", source) and (
            person_field.search(source) or "MatchQueryForm" in source
        ):
            reading.add(f"{view.__module__}.{view.__qualname__}")
    assert reading == refusing


def _patterns(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p
