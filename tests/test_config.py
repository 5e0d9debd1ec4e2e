import tomllib
from pathlib import Path

import pytest

from mailflow.config import load_settings, settings_from_dict
from mailflow.errors import ConfigError
from tests.support import REPO


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_example_config_is_valid_and_paths_are_relative_to_it():
    settings = load_settings(REPO / "config.example.toml")
    assert settings.mailboxes[0].address == "surat@probolinggokab.example"
    assert settings.database_url == f"sqlite:///{REPO}/mailflow.db"
    assert settings.timezone == "Asia/Jakarta"


def test_unknown_keys_and_bad_values_name_the_key(tmp_path):
    path = write(
        tmp_path,
        'poll_intervall = 5\n[smtp]\nsecurity = "ssl"\n[[mailboxes]]\nname = "a"\naddress = "nope"\n',
    )
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    text = str(err.value)
    assert str(path) in text
    assert "poll_intervall: unknown key" in text
    assert "smtp.security" in text and "'tls'" in text
    assert "mailboxes.0.address" in text and "email address" in text


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "this is = = not toml"))
    with pytest.raises(ConfigError, match=r"the config file named .* does not exist.*mailflow init"):
        load_settings(tmp_path / "absent.toml")


def test_secrets_never_show_in_repr_or_errors(tmp_path, monkeypatch):
    path = write(tmp_path, '[smtp]\npassword = "hunter2"\nport = 99999\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert "hunter2" not in str(err.value)
    settings = load_settings(write(tmp_path, '[smtp]\npassword = "hunter2"\n'))
    assert "hunter2" not in repr(settings) and settings.smtp.secret() == "hunter2"
    monkeypatch.setenv("BOX_PW", "from-env")
    (tmp_path / "pw").write_text("from-file\n")
    settings = load_settings(
        write(
            tmp_path,
            '[[mailboxes]]\nname = "a"\naddress = "a@b.c"\n'
            'password_file = "pw"\n'
            '[[mailboxes]]\nname = "b"\naddress = "b@b.c"\npassword_env = "BOX_PW"\n',
        )
    )
    assert [m.secret() for m in settings.mailboxes] == ["from-file", "from-env"]


def test_agenda_template_and_time_zone_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="agenda_template"):
        load_settings(write(tmp_path, 'agenda_template = "{nomor}/SM"\n'))
    with pytest.raises(ConfigError, match="time zone"):
        load_settings(write(tmp_path, 'timezone = "Asia/Bogor"\n'))


def test_a_config_holding_a_password_must_not_be_readable_by_others(tmp_path):
    from mailflow.config import exposed_secret

    path = tmp_path / "config.toml"
    path.write_text('[smtp]\npassword = "rahasia"\n')
    path.chmod(0o644)
    warning = exposed_secret(load_settings(path))
    assert warning and "chmod 600" in warning and "rahasia" not in warning
    path.chmod(0o600)
    assert exposed_secret(load_settings(path)) is None
    path.write_text('[smtp]\npassword_file = "smtp-password"\n')
    path.chmod(0o644)
    assert exposed_secret(load_settings(path)) is None


def test_the_commented_oauth_example_loads_once_uncommented(tmp_path):
    """config.example.toml's Gmail/Microsoft 365 block is a working config when uncommented."""
    import re

    text = (REPO / "config.example.toml").read_text()
    block = text[text.index("# Gmail (Google Workspace)") :]
    toml = "\n".join(line[2:] for line in block.splitlines() if re.match(r"# (\[|[a-z_]+ = )", line))
    settings = settings_from_dict(tomllib.loads(toml), tmp_path / "config.toml")
    box = settings.mailboxes[0]
    assert (box.provider, box.host, box.auth) == ("gmail", "imap.gmail.com", "xoauth2")
    assert settings.smtp_oauth()[0] == "surat" and settings.smtp.port == 465


def test_a_wrong_value_is_named_in_our_words_alone(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(write(tmp_path, 'timezone = "Asia/Jakrta"\n'))
    assert "line 1: timezone: unknown time zone 'Asia/Jakrta'" in str(refused.value), refused.value
    assert "Value error" not in str(refused.value)
