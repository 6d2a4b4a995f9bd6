"""Local disposition codes in the program file: each maps to a standard disposition."""

import pytest

from tandem.agencies.program import ProgramInvalid, program_parse

# Line numbers below are counted in this text.
PROGRAM = """\
program:
  name: Tiny
agencies:
  - {code: admin, name: Admin, kind: regional_admin}
  - {code: pd, name: PD, kind: police}
dispositions:
  - {code: GOA, label: Gone on arrival, standard: unable_to_locate, agency: pd}
  - {code: 5150, label: Emergency hold, standard: hold}
  - {code: TXF, label: Transferred, standard: transport_er, agency: pd}
"""


def test_local_codes_map_to_standard_dispositions():
    text = PROGRAM.split("  - {code: 5150")[0]
    program = program_parse(text, filename="region.yaml")
    assert [(d.code, d.standard, d.agency) for d in program.dispositions] == [
        ("GOA", "unable_to_locate", "pd")
    ]


def test_a_mapping_to_no_standard_disposition_is_reported_with_file_and_line():
    with pytest.raises(ProgramInvalid) as error:
        program_parse(PROGRAM, filename="region.yaml")
    lines = error.value.lines()
    assert [line.split(": ")[:2] for line in lines] == [
        ["region.yaml:8", "dispositions[1].code"],  # 5150 reads as a number: quote it
        ["region.yaml:8", "dispositions[1].standard"],
        ["region.yaml:9", "dispositions[2].standard"],
    ]
    assert lines[1].endswith("got 'hold'") and "expected one of resolved_on_scene" in lines[1]
    assert lines[2].endswith("got 'transport_er'")
