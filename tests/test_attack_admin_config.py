"""Today's config keys as a new admin types them: zero, negative and huge values of
`commit_batch` and the web sessions' keys are refused at load, each with its line and its bound
in the admin's words (never pydantic's English); `mailflow status` with such a config says
UNKNOWN in those words too. A huge session length used to load, then fail every page past year
9999."""

from __future__ import annotations

import re
import tomllib

import pytest

from mailflow.config import WebSettings
from tests.support import REPO
from tests.test_config_errors import mailflow
from tests.test_one_language import foreign_words

BASE = """\
admin_email = "admin@probolinggokab.example"
[[mailboxes]]
name = "surat"
address = "surat@probolinggokab.example"
commit_batch = {batch}
[web]
public_url = "https://surat.example.go.id"
secret_key = "{key}"
session_idle_minutes = {idle}
session_hours = {hours}
"""
KEY = "k" * 40


@pytest.mark.parametrize(
    ("batch", "idle", "hours", "wanted"),
    [
        (0, 0, -3, ["baris 5: mailboxes.0.commit_batch: diharapkan bilangan 1 atau lebih",
                    "baris 9: web.session_idle_minutes: diharapkan bilangan 1 atau lebih",
                    "baris 10: web.session_hours: diharapkan bilangan 1 atau lebih"]),
        (10**11, 10**11, 10**11, ["baris 5: mailboxes.0.commit_batch: diharapkan bilangan 200 atau kurang",
                                  "baris 9: web.session_idle_minutes: diharapkan bilangan 527040 atau kurang",
                                  "baris 10: web.session_hours: diharapkan bilangan 8784 atau kurang"]),
    ],
)  # fmt: skip
def test_numbers_out_of_range_are_told_in_the_admins_words(tmp_path, batch, idle, hours, wanted):
    (tmp_path / "config.toml").write_text(BASE.format(batch=batch, idle=idle, hours=hours, key=KEY))
    said = mailflow("letters", cwd=tmp_path).stderr
    for line in wanted:
        assert line in said, said
    assert "Input should" not in said and not foreign_words(re.sub(r"\S*[/@._]\S*", " ", said), "id"), said


def test_status_with_a_broken_config_is_unknown_in_the_admins_words(tmp_path):
    (tmp_path / "config.toml").write_text(BASE.format(batch=0, idle=120, hours=12, key=KEY))
    done = mailflow("status", cwd=tmp_path)
    assert done.returncode == 3, done
    assert done.stdout.startswith("MAILFLOW UNKNOWN - status tidak dapat diketahui: "), done.stdout
    assert "konfigurasi tidak sah" in done.stdout and "commit_batch: diharapkan bilangan 1" in done.stdout
    assert "invalid configuration" not in done.stdout and "Input should" not in done.stdout, done.stdout


def test_the_longest_session_and_link_allowed_still_have_a_moment():
    """The bounds keep every moment computed from them inside the calendar."""
    import datetime as dt

    longest = WebSettings(public_url="https://a.example", session_hours=8784, session_idle_minutes=527040,
                          link_minutes=527040, sign_in_minutes=1440)  # fmt: skip
    far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert far + dt.timedelta(hours=longest.session_hours) + dt.timedelta(minutes=longest.session_idle_minutes)


def test_every_web_key_is_in_the_example_config():
    """Each key of [web] is shown (commented) in config.example.toml and the README's block."""
    example = (REPO / "config.example.toml").read_text()
    readme = (REPO / "README.md").read_text()
    web_block = example[example.index("# [web]") :]
    uncommented = tomllib.loads(re.sub(r"^# ?(# )?", "", web_block, flags=re.M).split("\n\n")[0])
    hidden = {"secure_cookie", "secret_key", "secret_key_env"}  # tests only; the _env named in a comment
    for key in set(WebSettings.model_fields) - hidden:
        assert key in uncommented["web"] or f"{key} =" in web_block, key
        assert key in readme, key
