"""`mailflow reply explain` (no server): a saved reply read as the service would read it."""

from __future__ import annotations

import json
from email.policy import SMTP

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support import REPO, clients
from tests.test_reply_corpus import _request

SEKDIS = "sekretaris@probolinggokab.example"


def explain(tmp_path, text: str, *args: str):
    config = tmp_path / "config.toml"
    config.write_text(f'rules_dir = "{REPO / "rules"}"\nstorage_dir = "{tmp_path}/storage"\n')
    reply = clients.iphone_id(_request(SEKDIS), SEKDIS, text).as_bytes(policy=SMTP)
    path = tmp_path / "reply.eml"
    path.write_bytes(reply)
    return CliRunner().invoke(
        cli, ["--config", str(config), "reply", "explain", str(path), "--today", "2026-11-25", *args]
    )


def test_explain_prints_statements_and_problems_as_stable_json(tmp_path):
    result = explain(tmp_path, "Kasubbag umum: siapkan bahan batas 3 hari\nKabid: hadiri\nSiap", "--as", "sekdis",
                     "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["position"], data["email"], data["today"]) == ("sekretaris", SEKDIS, "2026-11-25")
    assert data["new_text"] == "Kasubbag umum: siapkan bahan batas 3 hari\nKabid: hadiri\nSiap"
    dispose, ack = data["statements"]
    assert dispose == {
        "kind": "dispose", "line": "Kasubbag umum: siapkan bahan batas 3 hari",
        "targets": ["kasubbag.umum@probolinggokab.example"], "codes": [], "instruction": "siapkan bahan",
        "deadline": "2026-11-30", "deadline_given": True, "text": "",
    }  # fmt: skip
    assert ack["kind"] == "acknowledge"
    [problem] = data["problems"]
    assert problem["reason"] == "unknown_target" and problem["line"] == "Kabid: hadiri"
    assert problem["message"] == "'Kabid' tidak dikenal"  # in the official's language
    assert problem["candidates"] == ["1. Kepala Subbagian Umum dan Kepegawaian (Hendra Gunawan)"]


def test_explain_gives_the_default_deadline_and_the_codes(tmp_path):
    result = explain(
        tmp_path, "1, 2: 4", "--as", "kadis@probolinggokab.example", "--urgency", "segera", "--json"
    )
    data = json.loads(result.output)
    [st] = data["statements"]
    assert st["targets"] == [SEKDIS, "kabid.dikdas@probolinggokab.example"] and st["codes"] == [4]
    assert (st["deadline"], st["deadline_given"]) == ("2026-11-27", False)  # segera: 2 working days


def test_explain_for_people_names_an_out_of_office_text(tmp_path):
    result = explain(
        tmp_path, "Saya sedang cuti sampai 4 Desember.\nSekretaris: Agus Wibowo", "--as", "kadis"
    )
    assert result.exit_code == 0, result.output
    assert "out-of-office" in result.output


def test_explain_refuses_an_unknown_official(tmp_path):
    result = explain(tmp_path, "Siap", "--as", "bupati")
    assert result.exit_code != 0 and "no position, alias or holder's address" in str(result.exception)
