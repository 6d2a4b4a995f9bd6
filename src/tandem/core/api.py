"""API plumbing shared by every app: permission by role, segment-aware serializers."""

from django.http import Http404
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotAuthenticated, ParseError, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from tandem.accounts.roles import Perm


def exception_handler(exc, context):
    """DRF's handler, with every 400 as {"errors": [{"path": "$.a.b", "message": ...}]}.

    Messages name the field and what was expected; they never echo stored records.
    """
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, (ValidationError, ParseError)):
        detail = exc.detail if isinstance(exc, ValidationError) else {"$": [str(exc.detail)]}
        response.data = {"errors": list(_flatten(detail, "$"))}
    return response


def _flatten(detail, path: str):
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("$", "non_field_errors"):
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}.{key}")
    elif isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        for message in detail:
            yield {"path": path, "message": str(message)}
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            yield from _flatten(value, f"{path}[{index}]")
    else:
        yield {"path": path, "message": str(detail)}


def role_permission(perm: Perm) -> type[permissions.BasePermission]:
    """A DRF permission class: without the role permission the endpoint is a 404."""

    class HasRolePermission(permissions.BasePermission):
        def has_permission(self, request, view) -> bool:
            if not request.user.is_authenticated:
                raise NotAuthenticated  # 401: sign in or send a token (was a 500)
            if not request.user.has_perm_in(perm):
                raise Http404
            return True

    HasRolePermission.__name__ = f"Has{perm.title().replace('_', '')}"
    return HasRolePermission


class SegmentedSerializer(serializers.ModelSerializer):
    """Leaves out every field the privacy gate withheld from the actor.

    The record arrives already redacted by a selector; dropping the key (rather than
    sending null) keeps the response from even hinting at a value.
    """

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in getattr(instance, "withheld", ()):
            data.pop(name, None)
        return data


class Paging(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    # Bounded so an absurd offset is a 400, not an integer overflow in the database.
    offset = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
