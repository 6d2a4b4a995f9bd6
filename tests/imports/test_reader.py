"""Reading a CSV: every record keeps its line in the file, however many lines the
parser could not split."""

import random

import duckdb
import pytest

from tandem.imports.profile import profile_parse
from tandem.imports.reader import SHORT_REJECTS, read_file

PROFILE = profile_parse(
    "source: t\nlabel: t\nkind: cad\nagency: t\ntimezone: UTC\nkey: Id\n"
    "file: {delimiter: ','}\n"
    'fields:\n  received_at: {column: At, formats: ["%Y"]}\n  call_type: {column: Type}\n'
)


@pytest.mark.parametrize("broken", [0, 3, SHORT_REJECTS + 40])
def test_each_record_keeps_its_line_around_the_lines_the_parser_rejected(tmp_path, broken):
    rng = random.Random(broken)
    lines, expected = ["Id,At,Type"], {}
    bad = set(rng.sample(range(2, 3000), broken))
    for line in range(2, 3000):
        if line in bad:
            lines.append(f"x{line},2024,EDP,one,too many")
        else:
            lines.append(f"r{line},2024,EDP")
            expected[f"r{line}"] = line
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n")
    con = duckdb.connect()
    read = read_file(con, path, PROFILE)
    assert [line for line, _ in read.malformed] == sorted(bad)
    assert dict(con.execute('SELECT "Id", _row FROM raw').fetchall()) == expected
