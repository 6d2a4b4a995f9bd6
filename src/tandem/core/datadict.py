"""The data dictionary, generated from the models so it cannot drift from them."""

import inspect

from django.apps import apps
from django.db import models

from tandem.privacy.segments import field_segment

HEADER = """# Data dictionary

Generated from the models by `tandem datadict`; do not edit by hand. A test fails when
this file is stale. Segment is the privacy segment of the field (see
`docs/architecture.md`); a blank segment means operational data, visible to anyone who
may see the record.
"""


def _type(field: models.Field) -> str:
    if field.is_relation and field.related_model is not None:
        kind = "many-to-many" if field.many_to_many else "foreign key"
        return f"{kind} → {field.related_model._meta.label}"
    return field.get_internal_type().replace("Field", "").lower() or "auto"


def _describe(field: models.Field) -> str:
    text = str(field.help_text or "")
    if field.choices and not field.is_relation:
        values = ", ".join(f"`{value}`" for value, _ in field.flatchoices)
        text = f"{text} One of: {values}.".strip()
    return text.replace("|", "\\|").replace("\n", " ")


def _model_section(model: type[models.Model]) -> list[str]:
    doc = inspect.getdoc(model) or ""
    if doc.startswith(f"{model.__name__}("):  # Django's generated signature, not prose
        doc = ""
    lines = [f"### {model.__name__} (`{model._meta.db_table}`)", ""]
    if doc:
        lines += [doc, ""]
    lines += ["| field | type | required | segment | description |", "|---|---|---|---|---|"]
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations are documented on the other side
        required = (
            "no"
            if (
                getattr(field, "null", False)
                or getattr(field, "blank", False)
                or field.has_default()
            )
            else "yes"
        )
        segment = field_segment(field) or ""
        lines.append(
            f"| `{field.name}` | {_type(field)} | {required} | {segment} | {_describe(field)} |"
        )
    return lines + [""]


def render() -> str:
    lines = [HEADER]
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        if not config.name.startswith("tandem."):
            continue
        models_ = sorted(config.get_models(), key=lambda m: m.__name__)
        if not models_:
            continue
        lines += [f"## {config.label}", ""]
        for model in models_:
            lines += _model_section(model)
    return "\n".join(lines).rstrip() + "\n"
