"""A message's way in: IDLE, who really sent it, which thread it answers, triage, bounces, and the
poll that ties them to the registry (the IMAP session itself is the network edge, `mailflow.net`)."""
