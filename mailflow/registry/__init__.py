"""The registry of letters: agenda numbers, filing, corrections, the quarantine and the read side."""
