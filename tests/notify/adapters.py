"""A platform stand-in whose accounts cannot be set up (the credentials it holds for them are
refused), for the notifications a failed account causes."""

from __future__ import annotations

from launcher.adapters.base import AccountRef, ProfileUpdate, Provisioned
from launcher.adapters.sandbox import SandboxAdapter
from launcher.errors import AuthFailed


class NoAccounts(SandboxAdapter):
    """The sandbox, except that setting an account up is refused as a platform refuses a
    revoked token (permanent: nothing is retried until a person fixes it)."""

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        raise AuthFailed(
            f"the token for {account.handle} was refused (revoked)",
            platform=self.stands_for,
            operation="provision",
            status=401,
        )
