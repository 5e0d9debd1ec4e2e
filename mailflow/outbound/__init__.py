"""Outbound email: composing emails from templates and the message catalogue, the outbox, and
their delivery over SMTP. Email only: outgoing letters (surat keluar), a book of the registry, do
not belong here; they use this package to send their emails."""
