"""Rate limits: the client's own (``rate_limit=``) and the ones servers announce.

- :mod:`~bearerkit.ratelimit.windows`: ``40``, ``"40/s"``, ``"200/15min"``, lists (:class:`RateLimiter`);
- :mod:`~bearerkit.ratelimit.headers`: each header dialect read into an :class:`Announcement`;
- :mod:`~bearerkit.ratelimit.budget`: what is left, shared by all threads (:class:`Budget`);
- :mod:`~bearerkit.ratelimit.pacer`: the gate every send passes (:class:`Pacer`, ``max_wait``);
- :mod:`~bearerkit.ratelimit.countdown`: waits over two seconds are shown;
- :mod:`~bearerkit.ratelimit.refusals`: the :class:`~bearerkit.errors.RateLimitError` message.
"""

from .budget import Budget
from .headers import Announcement, parse_headers
from .pacer import DEFAULT_MAX_WAIT, Pacer
from .windows import RateLimiter, RateSpec, Window, parse_windows

__all__ = [
    "DEFAULT_MAX_WAIT",
    "Announcement",
    "Budget",
    "Pacer",
    "RateLimiter",
    "RateSpec",
    "Window",
    "parse_headers",
    "parse_windows",
]
