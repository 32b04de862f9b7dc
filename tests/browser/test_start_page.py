import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_start_page_is_accessible(live_server, page: Page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldeportal")
    assert blocking_violations(page) == []


def test_keyboard_users_can_skip_to_the_content(live_server, page: Page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_stylesheet_loads_under_the_content_security_policy(live_server, page: Page):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    page.goto(live_server.url + "/")
    background = page.locator(".site-header").evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == "rgb(11, 79, 108)"
    assert violations == []


def test_the_accessibility_check_does_find_problems(page: Page):
    page.set_content('<html><body><img src="x.png"><a href="/"></a><input type="text"></body></html>')
    found = blocking_violations(page)
    assert any(line.startswith("image-alt") for line in found)
    assert any(line.startswith("html-has-lang") for line in found)
