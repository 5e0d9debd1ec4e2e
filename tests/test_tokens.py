import datetime as dt

import pytest

from mailflow.text.reply_tokens import FOOTER, Signer, TokenError, plus_address, tokens_in_addresses

SIGNER = Signer(b"k" * 32)
TODAY = dt.date(2026, 11, 27)


def test_round_trip_and_binding():
    token = SIGNER.make(42, "Sekretaris@x.example", TODAY + dt.timedelta(days=30))
    claim = Signer.parse(token.upper())
    assert claim.disposition_id == 42
    SIGNER.verify(claim, "sekretaris@x.example", TODAY)
    with pytest.raises(TokenError, match="not issued to this recipient"):
        SIGNER.verify(claim, "kadis@x.example", TODAY)
    with pytest.raises(TokenError, match="expired"):
        SIGNER.verify(claim, "sekretaris@x.example", TODAY + dt.timedelta(days=31))
    with pytest.raises(TokenError, match="not issued"):
        Signer(b"o" * 32).verify(claim, "sekretaris@x.example", TODAY)


def test_tampered_and_malformed_tokens():
    token = SIGNER.make(42, "a@x.example", TODAY)
    forged = "d2b" + token[3:]  # another disposition id, same mac
    with pytest.raises(TokenError):
        SIGNER.verify(Signer.parse(forged), "a@x.example", TODAY)
    with pytest.raises(TokenError, match="malformed"):
        Signer.parse("hello")


def test_where_tokens_travel():
    token = SIGNER.make(7, "a@x.example", TODAY)
    address = plus_address("surat@x.example", token)
    assert tokens_in_addresses([address, "other+zz@x.example"], "surat@x.example") == [token]
    assert FOOTER.search(f"> Kode balasan: {token}")[1] == token
