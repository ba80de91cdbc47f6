"""Options shared by every command (workspace, debug, user), set once by the app callback."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from opensop.config import Settings


@dataclass
class CliState:
    workspace: Path | None = None
    debug: bool = False
    user: str = ""

    def configure(self, *, workspace: Path | None, debug: bool, user: str) -> None:
        self.workspace, self.debug, self.user = workspace, debug, user

    @property
    def settings(self) -> Settings:
        return Settings.from_environment(self.workspace)

    @property
    def actor(self) -> str:
        return self.user or getpass.getuser()


STATE = CliState()
