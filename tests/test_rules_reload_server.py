"""The running service picks up rule edits; a broken edit keeps the last good rules and tells the admin."""

import shutil

from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import text_of


def test_broken_edit_keeps_last_good_rules_and_mails_the_admin(office, tmp_path):
    from tests.support import REPO

    rules = tmp_path / "rules-live"
    shutil.copytree(REPO / "rules", rules)
    office.rules_dir = rules
    office.reconfigure()
    office.poll()

    org = rules / "organisation.toml"
    org.write_text(org.read_text().replace('holder = "agus"', 'holder = "agus_typo"'))
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    assert office.poll().outcomes == {"letter": 1}  # still filed and routed with the last good rules
    alert = office.mail.wait_for(
        "admin@probolinggokab.example", lambda m: "tidak dapat dimuat" in str(m["Subject"])
    )
    assert "unknown holder 'agus_typo'" in text_of(alert)
    office.poll()
    assert office.mail.count("admin@probolinggokab.example") == 1  # told once, not every poll

    org.write_text(org.read_text().replace('holder = "agus_typo"', 'holder = "agus"'))
    office.poll()
    assert office.app.rules.last_error is None
