"""A message's way out: templates to emails, the outbox, delivery over SMTP."""
