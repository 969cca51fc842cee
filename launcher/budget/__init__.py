"""Rate-limit budgets: how fast launcher may talk to each platform, between the dispatcher (and
any other caller of an adapter) and the platform itself.

In the flow (content → plan → launch → dispatch → adapters → platforms) this sits on the
adapters' single request path (:meth:`launcher.adapters.http.HttpAdapter.request`): every HTTP
call any adapter makes, for a post, a profile, a pin, a reconciliation read or a listening
query, first takes its place in the budget of its platform. Each adapter declares its
platform's documented limits as data (:class:`Limit`: so many requests per window, per
account, per app or per host); the budget keeps every window under its limit (a sliding
window: no interval of that length ever holds more, however the platform aligns its own),
adapts to what the platform's rate-limit headers say is left, and after a 429 holds that
account (or that app or host) back until the platform's reset. A request that would have to
wait longer than a moment is not sent: it raises :class:`launcher.errors.OverBudget`, a rate
limit that cost no round trip, and the dispatcher reschedules the post like any other.
"""

from .budget import Budget, Observation, Ticket, shared_budget
from .limits import SCOPES, Limit

__all__ = ["SCOPES", "Budget", "Limit", "Observation", "Ticket", "shared_budget"]
