"""Shared models: the audit trail and encrypted stored files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from apps.core.fields import EncryptedTextField


class AuditEvent(models.Model):
    """One thing somebody did, append-only: PostgreSQL refuses UPDATE and DELETE (migration 0002).

    ``details`` holds facts about the action (reason, changed field names, counts), never patient data.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: a user with audit events is deactivated, never deleted, so the trail keeps its actors.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_uuid"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action}"


class StoredFile(models.Model):
    """An encrypted file in the ``encrypted_files`` storage (envelope encryption, apps.core.files).

    The data key is sealed with the file key ring; deleting it (``data_key = None``) crypto-shreds the file.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storage_name = models.CharField(max_length=100, unique=True)
    data_key = EncryptedTextField(purpose="files", null=True)
    size = models.BigIntegerField(help_text="plaintext size in bytes")
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"StoredFile {self.uuid}"
