"""Follow-up of open instructions: reminders, escalations, morning digests, the weekly summary."""
