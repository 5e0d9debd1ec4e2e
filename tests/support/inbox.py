"""Each official's view of their own mailbox, over IMAP."""

from __future__ import annotations


class Inbox:
    """Each official's view of their own mailbox: the next new message whose subject says X."""

    def __init__(self, office) -> None:
        self.office = office
        self.seen: set[str] = set()

    def next(self, user: str, needle: str, timeout: float = 10.0):
        def fresh(m):
            return needle in " ".join(str(m["Subject"]).split()) and m["Message-ID"] not in self.seen

        msg = self.office.mail.wait_for(user, fresh, timeout)
        self.seen.add(msg["Message-ID"])
        return msg

    def answer(self, client, original, sender: str, text: str, **kw):
        self.office.mail.send(client(original, sender, text, **kw))
        return self.office.poll()
