"""The text of each page of a PDF written by fpdf2, for tests to read.

Text set in an embedded TrueType font is stored as glyph codes, not letters, so a test
cannot search the file's bytes for a word. This reader inflates the streams, reads each
font's ToUnicode map and decodes the strings shown on each page, in page order. It knows
only what fpdf2 writes (Type0 fonts, 2-byte codes, literal strings with Tj); that is all
it needs to know.
"""

import re
import zlib

HEADER = re.compile(rb"(\d+) 0 obj")
LENGTH = re.compile(rb"/Length (\d+)(?! 0 R)")
REF = rb"(\d+) 0 R"


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (dictionary text, inflated stream or b"").

    Streams are read by their /Length, as compressed bytes may contain any word."""
    objects = {}
    pos = 0
    while match := HEADER.search(data, pos):
        start = match.end()
        end = data.find(b"endobj", start)
        stream = data.find(b"stream", start)
        content = b""
        if stream != -1 and (end == -1 or stream < end):
            head = data[start:stream]
            body = stream + len(b"stream")
            body += 2 if data[body : body + 2] == b"\r\n" else 1
            length = LENGTH.search(head)
            stop = body + int(length.group(1)) if length else data.find(b"endstream", body)
            content = data[body:stop]
            if b"/FlateDecode" in head:
                content = zlib.decompress(content)
            end = data.find(b"endobj", stop)
        else:
            head = data[start:end]
        objects[int(match.group(1))] = (head, content)
        pos = end + len(b"endobj")
    return objects


def _unicode_map(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for code, text in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap):
        mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes, escapes undone."""
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:  # backslash
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif 0x30 <= nxt <= 0x37:
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group()
            out.append(int(octal, 8))
            i += 1 + len(octal)
        else:
            out.append(nxt)
            i += 2
    return bytes(out)


SHOW = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj|(BT)", re.S)


def pages(data: bytes) -> list[str]:
    """One string per page; strings drawn separately are separated by a newline."""
    objects = _objects(data)
    fonts = {}
    for head, _ in objects.values():
        for name, ref in re.findall(rb"/(F\d+) " + REF, head):
            to_unicode = re.search(rb"/ToUnicode " + REF, objects[int(ref)][0])
            fonts[name] = _unicode_map(objects[int(to_unicode.group(1))][1])
    root = next(h for h, _ in objects.values() if b"/Type /Pages" in h)
    kids = [int(k) for k in re.findall(REF, re.search(rb"/Kids \[(.*?)\]", root, re.S).group(1))]
    texts = []
    for kid in kids:
        contents = int(re.search(rb"/Contents " + REF, objects[kid][0]).group(1))
        font, pieces = {}, []
        for name, string, begin in SHOW.findall(objects[contents][1]):
            if name:
                font = fonts[name]
            elif begin and pieces and pieces[-1] != "\n":
                pieces.append("\n")
            elif string:
                raw = _literal(string)
                codes = [int.from_bytes(raw[j : j + 2], "big") for j in range(0, len(raw), 2)]
                pieces.append("".join(font.get(code, "\ufffd") for code in codes))
        texts.append("".join(pieces))
    return texts


def text(data: bytes) -> str:
    return "\n".join(pages(data))
