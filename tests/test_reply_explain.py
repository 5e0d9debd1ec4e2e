"""`mailflow reply explain` (no server): a saved reply read as the service would read it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from email.policy import SMTP
from pathlib import Path

from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.disposition.explain import explain_reading
from mailflow.domain import Said
from mailflow.language.statements import Kind, Proposal, Reading, Statement
from mailflow.office.load import load_rules
from mailflow.office.targets import target_of
from mailflow.outbound.catalogue import Catalogue
from mailflow.text.parsing import parse_message
from mailflow.text.reply_tokens import Signer
from tests.support import REPO, clients
from tests.test_reply_corpus import _request

SEKDIS = "sekretaris@probolinggokab.example"
KADIS = "kadis@probolinggokab.example"


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
        "positions": [{"position": "kasubbag_umum", "address": "kasubbag.umum@probolinggokab.example",
                       "title": "Kepala Subbagian Umum dan Kepegawaian", "name": "Hendra Gunawan"}],
    }  # fmt: skip
    assert ack["kind"] == "acknowledge"
    [problem] = data["problems"]
    assert problem["reason"] == "unknown_target" and problem["line"] == "Kabid: hadiri"
    assert problem["message"] == "'Kabid' tidak dikenal"  # in the official's language
    assert problem["candidates"] == ["1. Kepala Subbagian Umum dan Kepegawaian (Hendra Gunawan)"]
    assert [c["position"] for c in problem["candidate_positions"]] == ["kasubbag_umum"]
    assert (data["outcome"], data["ignored"], data["reply_code"], data["attachments"]) == ("asked", "", None, [])


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


def _config(tmp_path, extra: str = "") -> Path:
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{REPO / "rules"}"\nstorage_dir = "{tmp_path}/storage"\nadmin_language = "en"\n{extra}'
    )
    return config


def _run(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), "reply", "explain", "--today", "2026-11-25", *args])


def _save(folder: Path, name: str, message) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(message.as_bytes(policy=SMTP))
    return path


def test_explain_reads_a_folder_and_ends_with_a_summary_line(tmp_path):
    folder = tmp_path / "replies"
    for i, (app, text) in enumerate(
        [
            (clients.gmail_android_id, "Sekretaris: pelajari batas 3 hari"),
            (clients.outlook_html_only, "Kabid: hadiri"),
            (clients.samsung_id, "Agus sudah saya hubungi"),
            (clients.thunderbird_flowed, "Status"),
        ]
    ):
        _save(folder, f"{i}.eml", app(_request(KADIS), KADIS, text))
    auto = clients.iphone_id(_request(KADIS), KADIS, "Terima kasih, pesan Anda sudah kami terima.")
    auto["Auto-Submitted"] = "auto-replied"
    _save(folder / "more", "auto.eml", auto)
    (folder / "notes.txt").write_text("not a reply")
    result = _run(_config(tmp_path), str(folder), "--as", "kadis")
    assert result.exit_code == 0, result.output
    unwrapped = result.output.replace("\n", "")  # a long temporary path wraps at the terminal's width
    assert str(folder / "0.eml") in unwrapped and "notes.txt" not in result.output
    assert "written by a machine: auto-reply (auto-submitted)" in result.output
    assert "no reply code: the service lets it act only for a verified sender" in result.output
    assert result.output.rstrip().endswith("5 read: 2 acted, 0 proposed, 1 asked, 1 notes, 1 ignored")


def test_explain_of_several_files_gives_each_and_the_summary_as_json(tmp_path):
    first = _save(tmp_path, "a.eml", clients.iphone_id(_request(KADIS), KADIS, "Semua: 4"))
    second = _save(tmp_path, "b.eml", clients.k9_en(_request(KADIS), KADIS, "Arsipkan"))
    result = _run(_config(tmp_path), str(first), str(second), "--as", "kadis", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["file"] for r in data["replies"]] == [str(first), str(second)]
    [everyone] = data["replies"][0]["statements"]
    assert [p["position"] for p in everyone["positions"]] == ["sekretaris", "kabid_dikdas", "kabid_paud"]
    assert data["summary"] == {
        "acted": 2, "proposed": 0, "asked": 0, "notes": 0, "ignored": 0, "read": 2, "unreadable": 0,
    }  # fmt: skip


def test_explain_checks_the_reply_code_for_the_given_official(tmp_path):
    key = "explain-test-token-key-0123456789"
    config = _config(tmp_path, f'token_secret = "{key}"\n')
    signer = Signer(key.encode())
    fresh = signer.make(42, KADIS, dt.date(2026, 12, 9))
    stale = signer.make(42, KADIS, dt.date(2026, 11, 20))
    reply = clients.iphone_id(_request(KADIS), KADIS, "Sekretaris: 6")
    del reply["To"]
    reply["To"] = f"surat+{fresh}@probolinggokab.example"
    path = _save(tmp_path, "fresh.eml", reply)
    as_kadis = json.loads(_run(config, str(path), "--as", "kadis", "--json").output)["reply_code"]
    assert as_kadis == {"via": "address", "disposition": 42, "expires": "2026-12-09", "valid": True, "problem": ""}
    as_sekdis = json.loads(_run(config, str(path), "--as", "sekdis", "--json").output)["reply_code"]
    assert as_sekdis["valid"] is False and as_sekdis["problem"] == "the token was not issued to this recipient"
    footer = _save(tmp_path, "stale.eml", clients.k9_en(_request(KADIS), KADIS, f"Siap\n\nKode balasan: {stale}"))
    text = _run(config, str(footer), "--as", "kadis").output
    assert "reply code in the quoted footer: disposition 42, until 2026-11-20: NOT valid" in text
    unkeyed = json.loads(_run(_config(tmp_path / "x"), str(path), "--as", "kadis", "--json").output)
    assert unkeyed["reply_code"]["valid"] is None  # no key yet: nothing to check it with, none made
    assert not (tmp_path / "x" / "storage" / "keys").exists()


def test_explain_lists_the_attachments(tmp_path):
    reply = clients.gmail_android_id(_request(SEKDIS), SEKDIS, "Selesai: laporan terlampir")
    reply.add_attachment(b"%PDF-1.4 laporan", maintype="application", subtype="pdf", filename="laporan.pdf")
    path = _save(tmp_path, "done.eml", reply)
    data = json.loads(_run(_config(tmp_path), str(path), "--as", "sekdis", "--json").output)
    assert data["attachments"] == [{"filename": "laporan.pdf", "content_type": "application/pdf", "size": 16}]
    assert data["outcome"] == "acted"


def test_explain_gives_a_proposal_as_structured_json():
    """A proposal (made by the reading of issue 22) is explained with its targets in full and the
    question the official is asked."""
    rules = load_rules(REPO / "rules")
    today = dt.date(2026, 11, 25)
    paud = target_of(rules, "kabid_paud", today)
    statement = Statement(Kind.DISPOSE, "Kepala Bidang PAUD: 5", (paud,), "Untuk ditindaklanjuti", None, codes=(5,))
    proposal = Proposal("Kepala Bidang PAUD: 5", statement, "near_target", Said.of("problem.unknown_target", text="x"))
    message = parse_message(clients.iphone_id(_request(KADIS), KADIS, "Kepala Bidang PAUD: 5").as_bytes(policy=SMTP))
    reading = Reading((), (), proposals=(proposal,))
    result = explain_reading(message, "Kepala Bidang PAUD: 5", reading, rules, "kadis", today, "segera", Catalogue(), "id")
    [explained] = dataclasses.asdict(result)["proposals"]
    assert explained["reason"] == "near_target" and explained["message"] == "'x' tidak dikenal"
    assert explained["statement"]["positions"] == [
        {"position": "kabid_paud", "address": "kabid.paud@probolinggokab.example",
         "title": "Kepala Bidang PAUD dan Pendidikan Nonformal", "name": "Dewi Lestari"}
    ]  # fmt: skip
    assert (explained["statement"]["codes"], explained["statement"]["deadline"]) == ([5], "2026-11-27")
    assert result.outcome == "proposed"
