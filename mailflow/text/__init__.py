"""Text as people and programs write it: messages, HTML and PDF text, quotes,
registry fields, dates, deadlines and reply tokens. Pure: no database, no network."""
