"""Every class a template gives an element has a rule in the portal's stylesheet, or is named below as a hook that
needs none. A class without a rule shows nothing: until December 2026 the test phase's and the registry's notices
(``notice``) looked like any paragraph, and "Zurück" or "Als Entwurf speichern" (``secondary``) like the main button."""

from __future__ import annotations

import re

from django.conf import settings

# Names of parts that look right as plain text, for the reader of a template (and, for ``finding``, the base of
# ``finding-fehler`` and ``finding-hinweis``, which are styled).
HOOKS = {
    *("answers", "choice", "finding", "findings", "group", "history", "patient-box", "receipt", "report-step"),
    *("step-count", "tumors"),
}
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}")


def template_classes() -> set[str]:
    found: set[str] = set()
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        for value in re.findall(r'class="([^"]*)"', template.read_text()):
            plain = TEMPLATE_CODE.sub(" ", value)
            found.update(name for name in plain.split() if not name.endswith("-"))  # finding-{{ … }}: made per use
    return found


def test_every_class_in_the_templates_is_styled_or_a_known_hook():
    stylesheet = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    styled = set(re.findall(r"\.([A-Za-z][\w-]*)", stylesheet))
    assert template_classes() - styled - HOOKS == set()
    assert HOOKS - template_classes() == set()  # a hook no template uses any more goes from the list
