"""The sandbox's sign-in pages: the device verification form and the consent page.

Plain HTML forms (no script), so a person, a ``requests`` session or a browser
test can drive them alike. Every value shown is HTML-escaped; every page is sent
with ``no-store`` and may not be framed (a consent page inside someone else's
frame is a clickjacking target, RFC 6749 §10.13).
"""

from __future__ import annotations

from html import escape

from bearerkit.sandbox.messages import HTML_TYPE, Reply

PAGE_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 32rem; color: #222; }
h1 { font-size: 1.4rem; }
input[name=user_code] { font: 1.6rem monospace; letter-spacing: .15em; width: 12ch;
  text-transform: uppercase; }
button { font-size: 1rem; padding: .4rem 1.2rem; margin: 1rem .5rem 0 0; }
.error { color: #b00020; font-weight: bold; }
.done { color: #1b5e20; font-weight: bold; }
"""


def page(status: int, title: str, body: str) -> Reply:
    """An HTML page; ``body`` is HTML already escaped by the caller."""
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} · bearerkit sandbox</title>"
        f"<style>{_STYLE}</style></head>\n"
        f"<body><main>\n<h1>{escape(title)}</h1>\n{body}\n</main></body></html>\n"
    )
    return Reply(status, html.encode("utf-8"), HTML_TYPE, PAGE_HEADERS)


def _scope_list(scope_words: dict[str, str], scope: str) -> str:
    items = "".join(f"<li>{escape(scope_words.get(s, s))}</li>" for s in scope.split())
    return f'<ul class="scopes">{items}</ul>'


def verification_form(
    action: str, form_token: str, *, user_code: str = "", error: str = "", status: int = 200
) -> Reply:
    """The device verification page (RFC 8628 §3.3): enter the code, then Approve or Deny.

    ``form_token`` is single-use: another site cannot make the browser approve a
    code it chose (cross-site request forgery), since it cannot read the page.
    """
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<p>Enter the code your notebook shows, to let it use your sandbox account.</p>\n"
        f"{message}"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="form" value="{escape(form_token)}">\n'
        '<label for="user_code">Code</label>\n'
        f'<input id="user_code" name="user_code" value="{escape(user_code)}" '
        'autocomplete="off" autocapitalize="characters" spellcheck="false" required>\n'
        '<div><button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></div>\n'
        "</form>"
    )
    return page(status, "Connect a device", body)


def verification_done(
    approved: bool, client: str, scope: str, scope_words: dict[str, str]
) -> Reply:
    """The page after a decision on a device code."""
    if approved:
        body = (
            f'<p class="done" role="status">Signed in. {escape(client)} can now:</p>'
            f"{_scope_list(scope_words, scope)}<p>You can close this tab.</p>"
        )
        return page(200, "Device connected", body)
    body = (
        f'<p class="error" role="status">Denied. {escape(client)} was not given access.</p>'
        "<p>You can close this tab.</p>"
    )
    return page(200, "Access denied", body)


def consent_form(
    action: str, request_id: str, client: str, scope: str, scope_words: dict[str, str]
) -> Reply:
    """The consent page (RFC 6749 §4.1.1): what the client asks for, Approve or Deny."""
    body = (
        f"<p><strong>{escape(client)}</strong> wants to use your sandbox account to:</p>\n"
        f"{_scope_list(scope_words, scope)}\n"
        f'<form method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="request" value="{escape(request_id)}">\n'
        '<div><button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></div>\n'
        "</form>"
    )
    return page(200, "Sign in to the bearerkit sandbox", body)


def error_page(status: int, message: str) -> Reply:
    """An error shown to the person in the browser (never redirected, RFC 6749 §4.1.2.1)."""
    return page(status, "Sign-in error", f'<p class="error" role="alert">{escape(message)}</p>')


def redirect(location: str) -> Reply:
    """A 302 to ``location`` (the client's redirect URI with the result in its query)."""
    return Reply(302, b"", HTML_TYPE, (*PAGE_HEADERS, ("Location", location)))
