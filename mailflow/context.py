"""What handling one message needs: the settings, the rules in force, templates, storage and the
reply-token signer. Built once per poll from the App and passed down; nothing imports a global."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config import Settings
from mailflow.office.model import Rules
from mailflow.outbound.compose import Composer
from mailflow.storage.archive import Archive
from mailflow.text.tokens import Signer


@dataclass(frozen=True)
class Context:
    settings: Settings
    rules: Rules
    composer: Composer
    archive: Archive
    signer: Signer
