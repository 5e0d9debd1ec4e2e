"""The demo office's DKIM key, so that the demo (and the test suite) show sender verification on.

Its domain, probolinggokab.example, is reserved for examples and exists nowhere: the key signs only
mail of that fictional office. The demo's config pins the public half under `[dkim_keys]`, so no
DNS lookup leaves the machine. Never use this key for a real domain.
"""

from __future__ import annotations

import dkim

DOMAIN = "probolinggokab.example"
SELECTOR = "mailflow"
RECORD_NAME = f"{SELECTOR}._domainkey.{DOMAIN}"
RECORD = "v=DKIM1; k=rsa; p=" + (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA38emEdCGZcsIZISc8HWv5tibeL7hjLouTIqlFGSJoLsE"
    "hVd0JGPfc4NdYSkTgFYGtLTJEIRyacBrvoMgkBYA8SX6dtuAEyeLyrAEApSj8Z0LmVeOFV2d8Ae/AUS8DQie41fB"
    "xpvpv/RdwRkRzoe5zBNrmyQlCvLAkxPsjEtVFc+0g+maUiiNhkAmfdn7kUq7nFeJjjX9MGj1fpCjiDB6k+Ny0Aru"
    "jCob3Orx8bFp/L6ky14DBHWu8JOaq4ThNOl1XKc9zl31H6C+t+VDWl/N7xCxqfa1wp1nirmtvMAEZo+sBvGT8Ifi"
    "3OrbVvAbO+4WeOByrm25JNnHEm41ANuwUwIDAQAB"
)
PRIVATE_KEY = b"""-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA38emEdCGZcsIZISc8HWv5tibeL7hjLouTIqlFGSJoLsEhVd0
JGPfc4NdYSkTgFYGtLTJEIRyacBrvoMgkBYA8SX6dtuAEyeLyrAEApSj8Z0LmVeO
FV2d8Ae/AUS8DQie41fBxpvpv/RdwRkRzoe5zBNrmyQlCvLAkxPsjEtVFc+0g+ma
UiiNhkAmfdn7kUq7nFeJjjX9MGj1fpCjiDB6k+Ny0ArujCob3Orx8bFp/L6ky14D
BHWu8JOaq4ThNOl1XKc9zl31H6C+t+VDWl/N7xCxqfa1wp1nirmtvMAEZo+sBvGT
8Ifi3OrbVvAbO+4WeOByrm25JNnHEm41ANuwUwIDAQABAoIBAADcIl9mJuYO54Da
C5pW8W6YfXxzdf1q8mZD5XTUcBJIiwYSJcrwAU9PKBWJVAmwYEU4fp9MIFPCCV1J
jAn8XlOO5aKoSZqJPTMcWwpBf6HG4eEHIkTNv8oeKtXlPuMT7zxeEsthv6kHq4aO
7e/BEMM1KJAyODGNvj9dGmcYRlhCRWQuYdo1JcTnHDvGhLBKc1Fe1NmmbMI1hanf
JVXmNnp1nPYCJkND8LUvFy65baOt0jsd6hSEmX80zoixsjxkrzhwvStVoCM/PfAM
JLggsb5IG95yBqux/ppJf0X7Gi4smIumSp27yZ/evGbp7YSPT8ycCMHr+65xP9QJ
t3fP6wkCgYEA+T1cXgTmhBte46oyTUz10oz+dXkJ7VdkdGbfmTMvp3sgisleU6xg
eUYb9WW8Ku2ktJrO34uVaaCd+mJS022wbe+Msky0qGfYhp0zZ1ExH3LIPznDDrVF
ehyRqa3npWDWN4qXq9QCZM8smUqmJl5nBOY6ALAWUNrMF6DKvndOLUkCgYEA5dmA
1V61cDT0xpXl5Vq5RLspalahDrHvHer85rUEgcR26nGjWZAfDV6YZfKENaGxfr0I
lbudrALmz7lKLuTz9Su/SIJg0H1z/zjwcd6+p2TiIZFYo3BJ5rS0aDXFD/WEim5J
CHIttJ4QqRM9JlmMzYtdY6Mdsr4CkSntKBCHvLsCgYEArHqrNiE8CQYL948relUc
9NU/rrnRhd7plKgwaouCmetaTNEnps3ugV5kMMFzo12LkrRjH04wWsWdLc3nNYt+
AcY53pW4m6YpsJaPIRuN3A6Jxz9I3h/R8bxdjUfcu5S1CgCuD2oLMgow+fAv5POF
ZV2RnDI/bzrK7DsIsyBLCIkCgYAIXjzUh9gvN55ZxIdULFNmbzH4zyKZ+FxuSGng
tGJvnwl9S5nY3uhigjkmLQgnM7XUmWlAmk4JPynMEkDjKC7BlFAogaaosIiSmC4Y
1zU1vvSEqFgDy0jFf3q5+IsuI5Apwg4iopWLZ93PagXl6Yi4ywQhZoTkRwqs4kvi
E4f9lQKBgGeCdS8UI6mbExXr1aEr/fDVSJKi/VGH2meZYJPjaXc555bjKtl4tYzQ
4D8EPcqYIMIlXHhYcnCcJk8+3ZymlK2QT2hR6exRRkU1YCJ1GYVwaYwZ1tbvDEZI
Ox0BkNsZTV5z622yLF7dCmcCmGMkA5ZJAui7qTTMYT9iD51WIeEu
-----END RSA PRIVATE KEY-----
"""
SIGNED_HEADERS = [b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to", b"references"]


def sign(raw: bytes, domain: str = DOMAIN) -> bytes:
    """`raw` with a DKIM-Signature of the demo office's mail server prepended."""
    header = dkim.sign(raw, SELECTOR.encode(), domain.encode(), PRIVATE_KEY, include_headers=SIGNED_HEADERS)
    return header + raw
