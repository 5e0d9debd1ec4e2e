"""README's web section as an admin runs it: the commands that make the key run as written
(with the service's user and /etc replaced by this test's own), leave a file only its owner
reads, and the key they make is one Mailflow accepts."""

from __future__ import annotations

import getpass
import os
import re
import stat
import subprocess

from mailflow.config import WebSettings
from tests.support import REPO


def _key_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    after = readme[readme.index("Make the key once") :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, "the key's commands are a sh block after 'Make the key once'"
    return block[1].strip().splitlines()


def test_the_readmes_key_commands_make_a_key_mailflow_reads(tmp_path):
    me = getpass.getuser()
    ran = []
    for line in _key_commands():
        line = line.replace("sudo ", "").replace("-o mailflow -g mailflow", f"-o {me}")
        line = line.replace("/etc/mailflow", str(tmp_path / "etc-mailflow"))
        done = subprocess.run(["sh", "-ec", line], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (line, done.stderr)
        ran.append(line)
    key = tmp_path / "etc-mailflow" / "web.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600, ran
    secret = WebSettings(public_url="https://a.example", secret_key_file=key).secret()
    assert len(secret) >= 32 and "\n" not in secret
