"""Long crash torture: `python bench/torture.py --kills 200 --letters 300`.

Starts its own loopback Dovecot and SMTP relay (as the tests do), kills `mailflow run` with
SIGKILL at random moments while letters and replies keep arriving, then prints what was lost or
doubled. Exit 1 when anything was.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import USERS, Office, Servers
from tests.support.dovecot import PASSWORD, Dovecot, free_port
from tests.support.mail import Mail
from tests.support.relay import start_relay
from tests.support.torture import torture


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ["MAILFLOW_TEST_IMAP_PASSWORD"] = PASSWORD
    dovecot = Dovecot(USERS)
    dovecot.start()
    smtp_port = free_port()
    controller, relay = start_relay(dovecot, smtp_port)
    try:
        with tempfile.TemporaryDirectory(prefix="mailflow-torture-") as tmp:
            office = Office(Path(tmp), Servers(dovecot, smtp_port, relay, Mail(dovecot, smtp_port)))
            result = torture(office, relay, args.kills, args.letters, args.seed, settle_timeout=600)
    finally:
        controller.stop()
        dovecot.cleanup()
    print(result.summary(), *result.notes)
    bad = (
        result.lost_letters
        or result.doubled_letters
        or result.lost_replies
        or result.doubled_replies
        or result.outbox_unsent
        or result.serials != list(range(1, args.letters + 1))
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
