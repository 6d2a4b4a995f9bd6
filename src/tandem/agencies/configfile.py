"""Configuration files in YAML, validated by a pydantic schema, with errors by line.

Any file a region edits by hand (the program file, and later triage protocols or
follow-up rules) goes through `config_parse`, so every one reports every problem as
`file:line: path: what was expected; got what` instead of a traceback.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]
LineOf = Callable[[Loc], int]
# Rules across entries that a schema cannot state field by field (unique codes ...).
Check = Callable[[dict, LineOf], list[Problem]]
S = TypeVar("S", bound=BaseModel)


@dataclass(frozen=True)
class ConfigIssue:
    line: int | None
    path: str
    message: str

    def format(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigInvalid(Exception):
    """Every problem found in one file, in line order."""

    def __init__(self, filename: str, issues: list[ConfigIssue]) -> None:
        self.filename = filename
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.path))
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [issue.format(self.filename) for issue in self.issues]


def expected(kind: str, what: str, got: Any) -> PydanticCustomError:
    """An error for a validator to raise, worded like every other error in the file."""
    return PydanticCustomError(kind, "expected {what}; got {got}", {"what": what, "got": show(got)})


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Loader(yaml.SafeLoader):
    """SafeLoader reading plain scalars as YAML 1.2 does.

    YAML 1.1 reads `21:00` as the integer 1260 (base 60) and `no`/`on` as booleans, which
    would turn shift times and some codes into nonsense before validation sees them.
    """


_OLD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float")}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _OLD_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _regex, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_regex), list(_first))


def config_read(path: str | Path, **options: Any) -> Any:
    """`config_parse` on a file; an unreadable file is reported like any other problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issue = ConfigIssue(None, "", f"cannot read file: {exc}")
        raise ConfigInvalid(str(path), [issue]) from exc
    return config_parse(text, filename=str(path), **options)


def config_parse(
    text: str,
    *,
    filename: str,
    schema: type[S],
    context: Callable[[dict], dict] = lambda data: {},
    checks: Iterable[Check] = (),
) -> S:
    """Validate YAML text against `schema`; raise `ConfigInvalid` with every problem.

    `context(data)` builds the pydantic validation context from the raw mapping, so field
    validators can resolve references to other sections.
    """
    node, data = _load_yaml(text, filename)
    lines, duplicates = _line_map(node)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        sections = ", ".join(schema.model_fields)
        problems.append(((), f"expected a mapping of {sections}; got {show(data)}"))
        raise _invalid(filename, lines, problems, duplicates)
    for check in checks:
        problems += check(data, lambda loc: _line_of(lines, loc))
    try:
        result = schema.model_validate(data, context=context(data))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.append((err["loc"], _message(err, schema)))
    if problems or duplicates:
        raise _invalid(filename, lines, problems, duplicates)
    return result


def _load_yaml(text: str, filename: str) -> tuple[yaml.Node | None, Any]:
    # One pass gives both the node tree (for line numbers) and the data built from it.
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigInvalid(filename, [ConfigIssue(line, "", f"invalid YAML: {problem}")]) from exc
    finally:
        loader.dispose()


def _line_map(root: yaml.Node | None) -> tuple[dict[Loc, int], list[ConfigIssue]]:
    """Line of every key and list item, by path; plus duplicate keys, which YAML hides."""
    lines: dict[Loc, int] = {(): root.start_mark.line + 1 if root is not None else 1}
    duplicates: list[ConfigIssue] = []
    stack: list[tuple[Loc, yaml.Node | None]] = [((), root)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*loc, key.value if isinstance(key, yaml.ScalarNode) else str(key.value))
                if child in lines:
                    message = f"duplicate key; first given at line {lines[child]}"
                    duplicates.append(ConfigIssue(key.start_mark.line + 1, dotted(child), message))
                lines.setdefault(child, key.start_mark.line + 1)
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, index)] = item.start_mark.line + 1
                stack.append(((*loc, index), item))
    return lines, duplicates


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    # A missing key has no line of its own: point at the nearest enclosing entry.
    while loc not in lines:
        loc = loc[:-1]
    return lines[loc]


def _invalid(
    filename: str, lines: dict[Loc, int], problems: list[Problem], found: list[ConfigIssue]
) -> ConfigInvalid:
    issues = [ConfigIssue(_line_of(lines, tuple(loc)), dotted(loc), msg) for loc, msg in problems]
    return ConfigInvalid(filename, list(dict.fromkeys(found + issues)))


def dotted(loc: Iterable[str | int]) -> str:
    """('teams', 3, 'program_model') -> 'teams[3].program_model'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _message(err: Any, schema: type[BaseModel]) -> str:
    kind, got = err["type"], err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        spec = _spec_at(schema, err["loc"][:-1])
        allowed = ", ".join(spec.model_fields) if spec else "no other keys"
        return f"unknown field; expected one of {allowed}"
    if str(err["msg"]).startswith("expected "):
        return str(err["msg"])  # raised by one of our validators, already worded
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping; got {show(got)}"
    what = re.sub(r"^(Input|String|Value|List|Tuple|Number) should (be |have )?", "", err["msg"])
    return f"expected {what}; got {show(got)}"


def _spec_at(schema: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The schema class that validates the mapping at `loc`, to list its allowed keys."""
    spec: Any = schema
    for part in loc:
        if isinstance(part, int):
            continue
        field = spec.model_fields.get(part) if _is_model(spec) else None
        if field is None:
            return None
        spec = field.annotation
        while get_origin(spec) in (list, tuple, Union, UnionType):
            spec = next(a for a in get_args(spec) if a is not type(None))
    return spec if _is_model(spec) else None


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
