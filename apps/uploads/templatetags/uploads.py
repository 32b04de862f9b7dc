from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def path_breaks(path: str) -> SafeString:
    """An element path that may wrap after each slash (escaped first: only the <wbr> tags are markup)."""
    return mark_safe(escape(path).replace("/", "/<wbr>"))  # noqa: S308 -- escaped above
