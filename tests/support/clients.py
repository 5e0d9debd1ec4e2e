"""Replies written the way real phone and desktop clients write them (quote styles, signatures,
HTML-only bodies), each answering a message the official really received over IMAP."""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid, parseaddr

from tests.support.mail import text_of


def _base(original: Message, sender: str, keep_headers: bool = True, to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to or str(original["Reply-To"] or original["From"])
    msg["Subject"] = "Re: " + " ".join(str(original["Subject"]).split())
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if keep_headers:
        msg["In-Reply-To"] = original["Message-ID"].strip()
        msg["References"] = " ".join(
            [*str(original.get("References", "")).split(), original["Message-ID"].strip()]
        )
    return msg


def _quoted(original: Message) -> str:
    return "\n".join("> " + line for line in text_of(original).splitlines())


def _who(original: Message) -> str:
    name, address = parseaddr(str(original["From"]))
    return f"{name} <{address}>"


def gmail_android_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Gmail on Android set to Indonesian: plain and HTML, 'Pada tanggal ... menulis:'."""
    msg = _base(original, sender, **kw)
    attribution = f"Pada tanggal Jum, 27 Nov 2026 pukul 10.15 {_who(original)} menulis:"
    msg.set_content(f"{text}\n\n{attribution}\n\n{_quoted(original)}\n")
    body = "".join(f"<div>{html.escape(line)}</div>" for line in text.splitlines())
    msg.add_alternative(
        f'<div dir="auto">{body}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f'{html.escape(attribution)}<br></div><blockquote class="gmail_quote">'
        f"{html.escape(text_of(original))}</blockquote></div>",
        subtype="html",
    )
    return msg


def iphone_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Apple Mail on iPhone in Indonesian: top-posted plain text, signature, '>' quote."""
    msg = _base(original, sender, **kw)
    msg.set_content(
        f"{text}\n\nDikirim dari iPhone saya\n\n> Pada 27 Nov 2026, pukul 10.15, "
        f"{_who(original)} menulis:\n>\n{_quoted(original)}\n"
    )
    return msg


def apple_mail_en(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    msg = _base(original, sender, **kw)
    msg.set_content(
        f"{text}\n\nSent from my iPhone\n\nOn Nov 27, 2026, at 10:15, {_who(original)} wrote:\n\n"
        f"{_quoted(original)}\n"
    )
    return msg


def outlook_html_only(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Outlook (desktop or web): HTML only, the original after a divRplyFwdMsg header block."""
    msg = _base(original, sender, **kw)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    msg.set_content(
        f'<html><body><div>{body}</div><hr><div id="divRplyFwdMsg"><b>From:</b> {html.escape(_who(original))}'
        f"<br><b>Sent:</b> Friday, November 27, 2026 10:15 AM<br><b>Subject:</b> "
        f"{html.escape(str(original['Subject']))}</div><div>{html.escape(text_of(original))}</div></body></html>",
        subtype="html",
    )
    return msg


def samsung_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Samsung Email in Indonesian: signature line, then an unquoted 'Pesan asli' header block."""
    msg = _base(original, sender, **kw)
    msg.set_content(
        f"{text}\n\n\nDikirim dari ponsel cerdas Samsung Galaxy saya.\n\n\n-------- Pesan asli --------\n"
        f"Dari: {_who(original)}\nTanggal: 27/11/26 10.15 (GMT+07:00)\nKe: {sender}\n"
        f"Subjek: {original['Subject']}\n\n{text_of(original)}\n"
    )
    return msg


def yahoo_android_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    msg = _base(original, sender, **kw)
    msg.set_content(
        f"{text}\n\nDikirim dari Yahoo Mail di Android\n\n  Pada Jum, 27 Nov 2026 pada 10:15, "
        f"{_who(original)}\n<{parseaddr(str(original['From']))[1]}> menulis:\n{_quoted(original)}\n"
    )
    msg.add_alternative(
        f'<div>{html.escape(text)}</div><div class="yahoo_quoted">{html.escape(text_of(original))}</div>',
        subtype="html",
    )
    return msg


def _plain(original: Message, sender: str, body: str, **kw) -> EmailMessage:
    msg = _base(original, sender, **kw)
    msg.set_content(body)
    return msg


def _below(original: Message, text: str, footer: str) -> str:
    """Top-posted: the new text, a phone's footer, then the quoted original."""
    return f"{text}\n\n{footer}\n\nOn Fri, Nov 27, 2026 at 10:15 AM {_who(original)} wrote:\n{_quoted(original)}\n"


def _unquoted_original(
    original: Message, sender: str, text: str, footer: str, rule: str, labels: tuple[str, ...], sent: str
) -> str:
    """The new text, the footer, a rule line, then the original under an Outlook-style header block."""
    who, to, subject = labels[0], labels[2], labels[3]
    return (
        f"{text}\n\n{footer}\n{rule}\n{who}: {_who(original)}\n{labels[1]}: {sent}\n{to}: {sender}\n"
        f"{subject}: {original['Subject']}\n\n{text_of(original)}\n"
    )


def outlook_android_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Outlook for Android in Indonesian: the footer with its link glued on, one line."""
    body = _unquoted_original(original, sender, text, "Dapatkan Outlook untuk Android<https://aka.ms/AAb9ysg>",
                              "_" * 32, ("Dari", "Dikirim", "Kepada", "Subjek"), "Jumat, 27 November 2026 10.15")  # fmt: skip
    return _plain(original, sender, body, **kw)


def outlook_ios_en(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    return _plain(
        original, sender, _below(original, text, "Get Outlook for iOS<https://aka.ms/o0ukef>"), **kw
    )


def huawei_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    return _plain(original, sender, _below(original, text, "Dikirim dari ponsel HUAWEI saya"), **kw)


def xiaomi_en(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    return _plain(original, sender, _below(original, text, "Sent from my Redmi Note 8 Pro"), **kw)


def blackberry_en(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    body = _unquoted_original(original, sender, text, "Sent from my BlackBerry 10 smartphone.",
                              "\u00a0 Original Message \u00a0", ("From", "Sent", "To", "Subject"),
                              "Friday, 27 November 2026 10:15")  # fmt: skip
    return _plain(original, sender, body, **kw)


def spark_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    return _plain(original, sender, _below(original, text, "Dikirim dengan Spark"), **kw)


def k9_en(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    footer = "-- \nSent from my Android device with K-9 Mail. Please excuse my brevity."
    return _plain(original, sender, _below(original, text, footer), **kw)


def windows_mail_id(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    return _plain(original, sender, _below(original, text, "Dikirim dari Email untuk Windows"), **kw)


def thunderbird_bottom(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Thunderbird, bottom-posted: the attribution and quote first, the answer under them."""
    body = f"On 27/11/2026 10.15, {_who(original)} wrote:\n{_quoted(original)}\n\n{text}\n\n-- \nBudi\n"
    return _plain(original, sender, body, **kw)


def gmail_quoted_printable(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Gmail's plain part sent quoted-printable (long lines, emoji, non-ASCII)."""
    msg = _base(original, sender, **kw)
    attribution = f"Pada Jum, 27 Nov 2026 pukul 10.15 {_who(original)} menulis:"
    msg.set_content(f"{text}\n\n{attribution}\n\n{_quoted(original)}\n", cte="quoted-printable")
    return msg


def flowed(text: str, width: int = 72, delsp: bool = False) -> str:
    """Text as a format=flowed sender writes it (RFC 3676): long lines soft-broken after a space,
    each soft break a trailing space (with delsp=yes an added one); lines that start with a space,
    '>' or 'From ' are space-stuffed."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith((" ", ">", "From ")):
            line = " " + line
        while len(line) > width and " " in line[1:width]:
            cut = line.rindex(" ", 1, width) + 1
            out.append(line[:cut] + (" " if delsp else ""))
            line = line[cut:]
        out.append(line.rstrip(" "))
    return "\n".join(out)


def _flowed_message(original: Message, sender: str, body: str, delsp: bool, **kw) -> EmailMessage:
    msg = _base(original, sender, **kw)
    msg.set_content(body)
    msg.set_param("format", "flowed")
    if delsp:
        msg.set_param("delsp", "yes")
    return msg


def thunderbird_flowed(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Thunderbird, top-posted, format=flowed (its default): long lines arrive soft-broken."""
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    body = f"{flowed(text)}\n\nOn 27/11/2026 10.15, {_who(original)} wrote:\n{quoted}\n"
    return _flowed_message(original, sender, body, False, **kw)


def thunderbird_flowed_bottom(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Thunderbird, bottom-posted, format=flowed, with its '-- ' signature."""
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    body = f"On 27/11/2026 10.15, {_who(original)} wrote:\n{quoted}\n\n{flowed(text)}\n\n-- \nBudi\n"
    return _flowed_message(original, sender, body, False, **kw)


def apple_mail_flowed(original: Message, sender: str, text: str, **kw) -> EmailMessage:
    """Apple Mail on a Mac or iPad: format=flowed; delsp=yes, 'Sent from my iPad'."""
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    body = (
        f"{flowed(text, delsp=True)}\n\nSent from my iPad\n\n> On 27 Nov 2026, at 10.15, {_who(original)} "
        f"wrote:\n>\n{quoted}\n"
    )
    return _flowed_message(original, sender, body, True, **kw)
