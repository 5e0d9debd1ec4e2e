"""The web pages: an official's letters, the agenda book, a letter, the office dashboard and the
admin's pages, signed in by email (no password), acting through the same paths as a reply.
Nothing else in Mailflow imports this package."""
