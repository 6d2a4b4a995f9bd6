"""Build `eido-1.0-subset.schema.json` from NENA's EIDO OpenAPI file.

NENA publishes EIDO 1.0 (NENA-STA-021.1b-2022) as an OpenAPI 3.0 `components.schemas`
block, not as a JSON Schema. This script converts the part Tandem reads and writes into
one self-contained JSON Schema (draft 2020-12) so `jsonschema` can validate documents
with no network access.

Source, pinned:  github.com/NENA911/EIDO-JSON at UPSTREAM_COMMIT (HEAD of `main`,
"Merge pull request #27 ... NENA-STA-021.1.1", 2025-06-13), files listed in SOURCES.
The upstream repository has no licence file, so none of it is vendored here: only this
converter and its output are committed.

What the subset keeps and what it loosens:

- Component types in WHOLE_TYPES are copied with all their properties.
- NIEM types in NIEM_TYPES keep only the listed properties; the others stay allowed
  (OpenAPI objects accept extra properties) but are not checked.
- Top-level component arrays of any other type (dispatch, vehicle, caution, ...) are
  checked only for the common prologue ($id, lastUpdateTimeStamp, updatedByAgencyReference).
- Any other property whose type lies outside the subset is dropped, that is, not checked.

Deliberate corrections (see FIXES): `ReferenceType` gets `type: object` (upstream omits
it, so `"updatedByAgencyReference": "x"` would pass); `AgentType.agentRoleRegistryText`
has `minItems: "1,"` (a YAML typo) read as 1; arrays that STA-021 tables mark 1..* get
`minItems: 1`; OpenAPI-only `example` keywords are removed.

Run (from a bare mirror or a clone of NENA911/EIDO-JSON):

    python src/tandem/interop/eido_schema/build.py --git-dir PATH/TO/EIDO-JSON/.git
    python src/tandem/interop/eido_schema/build.py --git-dir ... --check   # CI: up to date?
"""

import argparse
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

UPSTREAM_REPO = "https://github.com/NENA911/EIDO-JSON"
UPSTREAM_COMMIT = "7f62055d30609b4a931c797a740b4eb7e2c33dbf"
SOURCES = {
    "openapi.yaml": "Schema/openapi.yaml",
    "nc.yaml": "Schema/NIEMComponents/nc.yaml",
    "niem-xs.yaml": "Schema/NIEMComponents/niem-xs.yaml",
    "apco.yaml": "Schema/NIEMComponents/apco.yaml",
}
OUTPUT = Path(__file__).with_name("eido-1.0-subset.schema.json")
ROOT = "EmergencyIncidentDataObjectType"

WHOLE_TYPES = [
    "ReferenceType",
    "PrologueType",
    ROOT,
    "AgencyType",
    "AgentType",
    "CallLegStateType",
    "IncidentInformationType",
    "DispositionType",
    "CallInformationType",
    "CallbackType",
    "UpdatedCBNType",
    "LocationInformationType",
    "PersonInformationType",
    "NotesType",
]
# (file, type) -> properties kept; None keeps them all.
NIEM_TYPES: dict[tuple[str, str], list[str] | None] = {
    ("nc.yaml", "ncPersonType"): ["name", "birthDate"],
    ("nc.yaml", "ncPersonNameType"): [
        "prefix",
        "personGivenName",
        "personMiddleName",
        "personSurName",
        "suffix",
        "personFullName",
    ],
    ("nc.yaml", "ncPersonNameTextType"): None,
    ("nc.yaml", "ncProperNameTextType"): None,
    ("nc.yaml", "ncTextType"): None,
    ("nc.yaml", "ncDateType"): ["date", "time"],
    ("niem-xs.yaml", "niem-xsstring"): None,
    ("niem-xs.yaml", "niem-xsdate"): None,
    ("niem-xs.yaml", "niem-xsdateTime"): None,
}
APCO_TYPE = "apcoIncidentCategoryCodeSimpleType"
# Required 1..* in the STA-021.1b data component tables; OpenAPI states no minimum.
MIN_ONE = {
    "AgencyType": ["agencyRoleDescriptionRegistryText", "agencyType"],
    "PersonInformationType": ["personIncidentRoleRegistryText"],
}


def read_sources(git_dir: Path) -> dict[str, dict]:
    """Each source file at the pinned commit, parsed."""
    out = {}
    for name, path in SOURCES.items():
        text = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "--git-dir", str(git_dir), "show", f"{UPSTREAM_COMMIT}:{path}"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        out[name] = yaml.safe_load(text)
    return out


def ref_target(ref: str, current_file: str) -> tuple[str, str]:
    """('nc.yaml', 'ncPersonType') for 'NIEMComponents/nc.yaml#/components/schemas/ncPersonType'."""
    file_part, _, pointer = ref.partition("#")
    name = pointer.rsplit("/", 1)[-1]
    return (Path(file_part).name if file_part else current_file), name


def points_outside(schema: Any, file: str, keep: set[str]) -> bool:
    """True if this property schema (or its items) is a $ref to a type outside the subset."""
    if not isinstance(schema, dict):
        return False
    inner = schema.get("items", schema)
    target = inner.get("$ref") if isinstance(inner, dict) else None
    return isinstance(target, str) and ref_target(target, file)[1] not in keep


def prune(node: Any, file: str, keep: set[str], name: str) -> None:
    """Drop properties typed outside the subset; top-level components keep a prologue check."""
    if isinstance(node, list):
        for item in node:
            prune(item, file, keep, name)
        return
    if not isinstance(node, dict):
        return
    props = node.get("properties")
    if isinstance(props, dict):
        for prop, schema in list(props.items()):
            if not points_outside(schema, file, keep):
                continue
            if name == ROOT and prop.endswith("Component"):
                schema["items"] = {"$ref": "#/components/schemas/PrologueType"}
                schema["description"] = (
                    schema.get("description", "") + " (Tandem subset: prologue checked only.)"
                ).strip()
            else:
                del props[prop]
    for key, value in node.items():
        if key != "properties":
            prune(value, file, keep, name)
    if isinstance(props, dict):
        for value in props.values():
            prune(value, file, keep, name)


def rewrite(node: Any, file: str, keep: set[str]) -> Any:
    """Point every $ref at #/$defs, drop OpenAPI-only keywords, fix the minItems typo."""
    if isinstance(node, list):
        return [rewrite(item, file, keep) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "example":
            continue
        if key == "$ref" and isinstance(value, str):
            target = ref_target(value, file)[1]
            if target not in keep:
                raise SystemExit(f"unresolved reference outside the subset: {value} in {file}")
            out[key] = f"#/$defs/{target}"
        elif key == "minItems" and isinstance(value, str):
            out[key] = int(value.strip().rstrip(","))  # AgentType: "minItems: 1,"
        else:
            out[key] = rewrite(value, file, keep)
    return out


def type_branch(schema: dict) -> dict:
    """The type-specific half of an `allOf: [Prologue, {...}]` component."""
    for part in schema.get("allOf", []):
        if "properties" in part:
            return part
    return schema


def apply_fixes(defs: dict) -> None:
    defs["ReferenceType"] = {"type": "object", **defs["ReferenceType"]}
    for type_name, props in MIN_ONE.items():
        branch = type_branch(defs[type_name])
        for prop in props:
            branch["properties"][prop]["minItems"] = 1


def select(sources: dict[str, dict]) -> dict:
    keep = set(WHOLE_TYPES) | {name for _, name in NIEM_TYPES}
    chosen: list[tuple[str, str, dict]] = []
    openapi = sources["openapi.yaml"]["components"]["schemas"]
    for name in WHOLE_TYPES:
        chosen.append(("openapi.yaml", name, copy.deepcopy(openapi[name])))
    for (file, name), props in NIEM_TYPES.items():
        schema = copy.deepcopy(sources[file]["components"]["schemas"][name])
        if props is not None:
            schema["properties"] = {p: schema["properties"][p] for p in props}
        chosen.append((file, name, schema))
    defs = {}
    for file, name, schema in chosen:
        prune(schema, file, keep, name)
        defs[name] = rewrite(schema, file, keep)
    apply_fixes(defs)
    apco = sources["apco.yaml"]["components"]["schemas"][APCO_TYPE]
    defs[APCO_TYPE] = {
        "description": apco["description"] + " APCO ANS 2.103.1; not referenced by the "
        "EIDO types (the NENA incident type registry is not in the repository) but kept "
        "so Tandem can tell an APCO code from a local one.",
        "type": "string",
        "enum": [str(code) for code in apco["enum"]],
    }
    return defs


def build(git_dir: Path) -> dict:
    defs = select(read_sources(git_dir))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:tandem:schema:eido-1.0-subset",
        "title": "NENA EIDO 1.0, the subset Tandem reads and writes",
        "$comment": (
            f"Generated by src/tandem/interop/eido_schema/build.py from {UPSTREAM_REPO} "
            f"at commit {UPSTREAM_COMMIT} (Schema/openapi.yaml and NIEMComponents). "
            "Do not edit by hand."
        ),
        "$ref": f"#/$defs/{ROOT}",
        "$defs": defs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="NENA911/EIDO-JSON git dir")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    text = json.dumps(build(args.git_dir), indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.name} is stale: rerun build.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
