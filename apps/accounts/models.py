"""Users, their authenticator devices and the password-failure counters of the login."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from apps.core.fields import EncryptedTextField


class Role(models.TextChoices):
    MELDEND = "meldend", "Meldende/r"
    ERFASSUNG = "erfassung", "Erfassung"
    DOKUMENTATION = "dokumentation", "Dokumentation"
    VERTRAUENSSTELLE = "vertrauensstelle", "Vertrauensstelle"


class User(AbstractUser):
    """A portal user. Reporters belong to exactly one institution; Vertrauensstelle staff to none.

    ``session_epoch`` is part of the session hash: raising it ends every session of the user at their next
    request (OTP reset, lock, deactivation, password change).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField("Rolle", max_length=20, choices=Role.choices, default=Role.MELDEND)
    otp_failures = models.PositiveSmallIntegerField(default=0)
    otp_locked_at = models.DateTimeField(null=True, blank=True)
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "Benutzer"
        verbose_name_plural = "Benutzer"
        constraints = [
            models.CheckConstraint(
                name="staff_without_institution",
                condition=Q(role="vertrauensstelle", institution__isnull=True)
                | (~Q(role="vertrauensstelle") & Q(institution__isnull=False)),
            )
        ]

    @property
    def is_registry_staff(self) -> bool:
        return self.role == Role.VERTRAUENSSTELLE

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "apps.accounts.User.session", f"{self.password}:{self.session_epoch}", algorithm="sha256"
        ).hexdigest()


class Device(models.Model):
    """A TOTP authenticator app (RFC 6238). Several phones may scan the same QR code and share it.

    ``last_t`` is the time step of the last accepted code: each code works once, also across sessions.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField("Bezeichnung", max_length=60)
    secret = EncryptedTextField(purpose="otp")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "Authenticator"
        verbose_name_plural = "Authenticatoren"

    def __str__(self) -> str:
        return self.name


class LoginThrottle(models.Model):
    """Wrong passwords per canonical user name, kept for names without an account too (no enumeration).

    3 failures lock the name for 60 s (registry rule); ``consecutive_failures`` counts across lock periods
    and at ``PASSWORD_HARD_LOCK_AFTER`` locks until the Vertrauensstelle unlocks (NIST SP 800-63B §5.2.2).
    """

    username_key = models.CharField(max_length=150, unique=True)
    failures = models.PositiveSmallIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    hard_locked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"LoginThrottle {self.pk}"
