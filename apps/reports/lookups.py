"""Scoped getters: a user reaches only the drafts and reports of their own institution (else 404)."""

from __future__ import annotations

import uuid

from django.http import Http404

from apps.accounts.models import User
from apps.reports.models import Draft, Report


def draft_for_user(user: User, draft_uuid: uuid.UUID) -> Draft | None:
    """The draft, or None when it does not exist for this user's institution (sent, deleted, or never theirs)."""
    if user.institution_id is None:
        raise Http404
    return (
        Draft.objects.select_related("patient", "tumor", "institution", "corrects")
        .filter(uuid=draft_uuid, institution_id=user.institution_id or 0)
        .first()
    )


def report_from_draft(user: User, draft_uuid: uuid.UUID) -> Report | None:
    return Report.objects.filter(draft_uuid=draft_uuid, institution_id=user.institution_id or 0).first()


def get_report_for_user(user: User, report_uuid: uuid.UUID) -> Report:
    if user.institution_id is None:
        raise Http404
    try:
        return (
            Report.objects.select_related("patient", "tumor", "institution", "sent_by", "corrects", "package")
            .defer("package__problems")  # the package's report is not shown here, and can be long
            .get(uuid=report_uuid, institution_id=user.institution_id or 0)
        )
    except Report.DoesNotExist:
        raise Http404 from None
