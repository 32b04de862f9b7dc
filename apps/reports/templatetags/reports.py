from django import template

from apps.reports.forms import tumor_label as label
from apps.reports.models import Tumor

register = template.Library()


@register.filter
def tumor_label(tumor: Tumor) -> str:
    return label(tumor)
