"""Does a local HTTP server answer yet? The demo's wait for the gateway it started.

Any HTTP answer counts, an error status too (``/ready`` answers 503 while a part is down, and
explains itself): the question is only whether the server is up. No answer at all (refused,
reset, timed out) is ``False``, for the caller to ask again.
"""

from __future__ import annotations

import urllib.error
import urllib.request


def http_answers(url: str, *, timeout_s: float) -> bool:
    """True once a GET of ``url`` gets any HTTP answer within ``timeout_s``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
