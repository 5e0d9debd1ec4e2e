"""The network edge: IMAP sessions (`imap.py`) and folder names the server's way (`folders.py`),
DNS TXT lookups (`dns.py`) behind the DKIM keys pinned by config (`dkim_keys.py`, pure), the TLS
contexts of both mail edges (`tls.py`), and a server reached on the wrong port or security named
for what it is (`misdial.py`).

Below the App, which builds these edges once; nothing here knows about letters or offices."""
