"""Outgoing email, and only email: the office's mailer, templates to messages, the outbox,
delivery over SMTP. An outgoing letter (surat keluar) is a book of its own, not this package."""
