"""Whether a reply to a proposal says "yes, do that" (pure).

A proposal ("Maksud Bapak: Sekretaris - pelajari ...? Balas YA untuk menjalankan") acts only on
a reply that is a confirmation and nothing else: one of the yes words, with the courtesies people
put around it ("Ya pak", "ok siap", "Betul, terima kasih", their own name under it). Any other
word makes it a new reply, read as usual: "Ya, tapi batas 3 hari" is a rewrite, never a yes.
"""

from __future__ import annotations

from mailflow.language.phrases import NAME_TITLES, squash

# The words that say yes (reply-language.md, "Confirm a proposal"); one of them must be there.
YES = frozenset(
    squash(w)
    for w in ("ya", "iya", "iyo", "yes", "yup", "yep", "ok", "oke", "okay", "okey", "okeh", "betul",
              "benar", "bener", "setuju", "1", "correct", "right", "confirm", "confirmed",
              # Javanese and Sundanese: read as a note, they would replace the proposal in silence
              "nggih", "inggih", "enggih", "njih", "injih", "leres", "muhun")
)  # fmt: skip
# Words that may stand around a yes and change nothing: address, politeness, "do it".
COURTESY = frozenset(
    squash(w)
    for w in ("pak", "bu", "bapak", "ibu", "bpk", "mas", "mbak", "bos", "boss", "kak", "sir", "maam",
              "siap", "baik", "sip", "mohon", "tolong", "silakan", "silahkan", "please", "pls", "terima",
              "kasih", "makasih", "trims", "tks", "thanks", "thank", "you", "yth",
              "itu", "sudah", "sdh", "maksud", "saya", "sy", "kami", "demikian", "tepat", "sesuai",
              "lanjut", "lanjutkan", "jalankan", "dijalankan", "laksanakan", "dilaksanakan",
              "that", "is", "it", "s", "go", "ahead", "proceed", "do", "dong", "deh", "aja", "saja",
              # greetings and sign-offs on a line of their own
              "assalamualaikum", "asalamualaikum", "ass", "wr", "wb", "wassalam", "salam", "hormat",
              "regards", "best", "selamat", "pagi", "siang", "sore", "malam", "om", "swastiastu")
)  # fmt: skip
MAX_WORDS = 12  # a yes with its courtesies is short; more words are a message of their own


def _words(line: str) -> list[str]:
    return [w for w in (w.strip(".'/-") for w in squash(line).split()) if w]


def is_confirmation(text: str, sender_name: str = "") -> bool:
    """Whether the new text of a reply is only a yes: at least one yes word, every other word a
    courtesy, a greeting, or the sender's own name (typed under it). Word by word, never line by
    line: "Terima kasih, tapi bukan Sekretaris" is no sign-off. A question ("Ya?", "Is that
    right?") asks back and never acts."""
    if "?" in text or "？" in text:
        return False
    own = set(_words(NAME_TITLES.sub("", sender_name)))
    words: list[str] = []
    for line in text.splitlines():
        words.extend(_words(NAME_TITLES.sub("", line.strip())))
        if len(words) > MAX_WORDS:
            return False
    return any(w in YES for w in words) and all(w in YES or w in COURTESY or w in own for w in words)
