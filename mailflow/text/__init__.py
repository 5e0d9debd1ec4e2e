"""Text as people and programs write it: a parsed message (`message.py`), HTML and PDF text,
quotes, registry fields (from the mail, a PDF's text layer and OCR text), dates and reply tokens.
Pure: no database, no network."""
