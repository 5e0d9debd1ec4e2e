"""Provider presets: what `provider = "gmail"` or `"m365"` fills in, so an admin writes only the
account, the app's client id and (Microsoft) the tenant. Keys the admin writes win over these.

Sources: Google's "IMAP, POP, and SMTP" OAuth page (scope https://mail.google.com/, installed-app
flow with a loopback redirect) and Microsoft's "Authenticate an IMAP, POP or SMTP connection using
OAuth" (IMAP.AccessAsUser.All and SMTP.Send on outlook.office.com, device-code flow).
"""

from __future__ import annotations

from typing import Any

PROVIDERS: dict[str, dict[str, Any]] = {
    "gmail": {
        "imap": {"host": "imap.gmail.com", "port": 993, "security": "tls", "auth": "xoauth2"},
        "smtp": {"host": "smtp.gmail.com", "port": 465, "security": "tls", "auth": "xoauth2"},
        "oauth": {
            "flow": "browser",
            "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
            "token_url": "https://oauth2.googleapis.com/token",
            "scopes": ["https://mail.google.com/"],
        },
    },
    "m365": {
        "imap": {"host": "outlook.office365.com", "port": 993, "security": "tls", "auth": "xoauth2"},
        "smtp": {"host": "smtp.office365.com", "port": 587, "security": "starttls", "auth": "xoauth2"},
        "oauth": {
            "flow": "device",
            "device_authorization_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
            "token_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            "scopes": [
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
                "offline_access",
            ],
        },
    },
}


def with_preset(data: dict[str, Any], side: str) -> dict[str, Any]:
    """`data` (one [[mailboxes]] or the [smtp] table) with its provider's `side` preset below it."""
    name = data.get("provider")
    if not name:
        return data
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}; expected one of {', '.join(sorted(PROVIDERS))}")
    preset = PROVIDERS[name]
    merged = {**preset[side], **data}
    if side == "imap" or "oauth" in data:
        oauth = {**preset["oauth"], **(data.get("oauth") or {})}
        tenant = oauth.get("tenant", "organizations")
        merged["oauth"] = {
            key: value.replace("{tenant}", tenant) if isinstance(value, str) else value
            for key, value in oauth.items()
        }
    return merged
