"""A message's way in: the IMAP edge, IDLE, which thread it answers, triage, bounces, and the
poll that ties them to the registry."""
