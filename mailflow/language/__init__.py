"""The reply language: what officials and clerks write back, read into statements (pure).

`statements` reads a reply's new text line by line, `phrases` holds the words as officials type
them, `deadlines` reads "batas 3 hari kerja" against the office calendar. The contract is the
shared reply-language page; mail itself is read by `mailflow.text`.
"""
