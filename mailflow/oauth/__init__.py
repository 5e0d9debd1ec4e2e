"""OAuth2 sign-in for mail servers that refuse passwords (Gmail, Microsoft 365)."""
