"""A user's browser tab in the tests: logs in like a person, checks every page with axe-core."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from apps.accounts import totp
from apps.accounts.models import User
from tests.browser.conftest import blocking_violations
from tests.personas import PASSWORD, SECRET


class Visit:
    """One user's browser tab; checks every page it reaches with axe-core."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.violations: dict[str, list[str]] = {}

    def check(self) -> None:
        found = blocking_violations(self.page)
        if found:
            self.violations[self.page.url] = found

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check()

    def credentials(self, username: str, password: str = PASSWORD) -> None:
        self.open("/anmelden/")
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort").fill(password)
        self.page.get_by_role("button", name="Login").click()
        self.check()

    def code(self, code: str) -> None:
        self.page.get_by_label("OTP-Code").fill(code)
        self.page.get_by_role("button", name="fertig").click()
        self.check()

    def log_in(self, user: User, secret: str = SECRET) -> None:
        self.credentials(user.username)
        expect(self.page.get_by_label("OTP-Code")).to_be_visible()
        self.code(totp.code_at(secret, time.time()))
        expect(self.page.get_by_role("button", name="Abmelden")).to_be_visible()
