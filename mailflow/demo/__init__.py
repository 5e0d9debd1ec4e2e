"""`mailflow demo`: the scenario and the embedded loopback mail server it plays on."""
