"""What the account commands share: finding the account named on the command line."""

from django.core.management.base import CommandError

from tandem.accounts.models import User


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No account named {username!r}.")
    return user
