"""The office as its admins describe it under rules/: people, positions, units, routing, calendar (pure)."""
