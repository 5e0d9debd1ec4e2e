"""Running it: the service, health, doctor and logs."""
