"""PIDF-LO locations (RFC 4119/5139/5491) and HTML note text, as EIDO carries them.

EIDO 1.0 locations are PIDF-LO XML documents inside JSON strings; notes are HTML
fragments. Both come from other systems, so parsing refuses DTDs and entity
declarations and keeps only text.
"""

import html
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DTDs are refused before parsing
from html.parser import HTMLParser

CIVIC_NS = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"


def parse_xml(text: str) -> ET.Element:
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise ValueError("DTDs and entity declarations are not accepted")
    try:
        return ET.fromstring(text)  # noqa: S314 - no DTD can reach here; expat 2.4.1+ bounds entities
    except ET.ParseError as exc:
        raise ValueError(f"XML does not parse ({exc})") from exc


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def civic_text(root: ET.Element) -> str:
    civic = next((e for e in root.iter() if e.tag == f"{{{CIVIC_NS}}}civicAddress"), None)
    if civic is None:
        return ""
    parts = {local_name(child.tag): (child.text or "").strip() for child in civic}
    street = " ".join(parts.get(k, "") for k in ("HNO", "HNS", "PRD", "RD", "STS", "POD"))
    unit = f"Unit {parts['UNIT']}" if parts.get("UNIT") else ""
    region = " ".join(parts.get(k, "") for k in ("A1", "PC"))
    lines = [" ".join(street.split()), unit, parts.get("A3", ""), " ".join(region.split())]
    return ", ".join(line for line in lines if line)


def position(root: ET.Element) -> tuple[float, float] | None:
    """The first gml:pos (a Point, or the centre of a Circle or Ellipse)."""
    pos = next((e for e in root.iter() if local_name(e.tag) == "pos"), None)
    if pos is None:
        return None
    numbers = (pos.text or "").split()
    try:
        lat, lon = float(numbers[0]), float(numbers[1])  # EPSG:4326 order: latitude first
    except (IndexError, ValueError):
        raise ValueError(f"gml:pos {pos.text!r} is not 'latitude longitude'") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"gml:pos {pos.text!r} is out of range")
    return lat, lon


def read_pidf(text: str) -> tuple[str, tuple[float, float] | None]:
    """The civic address as one line, and the position, of a PIDF-LO document."""
    root = parse_xml(text)
    return civic_text(root), position(root)


class _TextOnly(HTMLParser):
    """Notes are HTML fragments; keep the text, drop tags and script/style bodies."""

    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.hidden += tag in ("script", "style")
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def point_document(entity: str, device: str, lat: float, lon: float) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf"'
        ' xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"'
        ' xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"'
        ' xmlns:gml="http://www.opengis.net/gml"'
        f' entity="{html.escape(entity, quote=True)}">'
        f'<dm:device id="{html.escape(device, quote=True)}">'
        "<gp:geopriv><gp:location-info>"
        '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
        f"<gml:pos>{lat!r} {lon!r}</gml:pos></gml:Point></gp:location-info>"
        "<gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv></dm:device></presence>"
    )
