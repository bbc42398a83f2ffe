"""Applicants (the principal of a travel group), the group's members, consent, and shelters."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cita.core.fields import EncryptedDateField, EncryptedTextField
from cita.core.languages import Language


class Shelter(models.Model):
    """A shelter or camp where applicants wait; NGO workers are bound to one."""

    name = models.CharField(max_length=120)
    city = models.CharField(max_length=80)
    capacity = models.PositiveIntegerField()
    occupancy = models.PositiveIntegerField(default=0)
    occupancy_updated_at = models.DateTimeField(null=True, blank=True)
    phone = models.CharField(
        max_length=32, blank=True, help_text="Public contact number, shown on the help page."
    )

    class Meta:
        ordering = ["city", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "city"], name="shelter_unique_name_city")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Applicant(models.Model):
    """The account of a travel group's principal: contact, language, and the session epoch.

    A resident registered by a shelter may have neither phone nor email (the shelter reaches them).
    Phone and email are sealed; their keyed hashes find an account at sign-in without decrypting anything.
    """

    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ES)
    phone = EncryptedTextField(null=True, blank=True)
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # When a code sent to this phone came back (sign-in, a contact change, a resident's registration). A
    # phone set without its code has none until its owner signs in with it once; only a proven phone may
    # act by text message.
    phone_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    email = EncryptedTextField(null=True, blank=True)
    email_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    shelter = models.ForeignKey(
        Shelter, null=True, blank=True, on_delete=models.SET_NULL, related_name="residents"
    )
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Someone must be able to reach the group: its own phone or email, or the shelter whose NGO
            # workers registered it (residents without a phone hear through them and the in-app inbox).
            models.CheckConstraint(
                condition=Q(phone_index__isnull=False)
                | Q(email_index__isnull=False)
                | Q(shelter__isnull=False),
                name="applicant_has_contact_or_shelter",
            )
        ]

    def __str__(self) -> str:
        return f"Applicant {self.pk}"


class Relationship(models.TextChoices):
    SELF = "self", "Principal"
    PARTNER = "partner", "Spouse or partner"
    CHILD = "child", "Child"
    PARENT = "parent", "Parent"
    SIBLING = "sibling", "Brother or sister"
    RELATIVE = "relative", "Other relative"
    OTHER = "other", "Other"


class DocumentType(models.TextChoices):
    PASSPORT = "passport", "Passport"
    NATIONAL_ID = "national_id", "National identity card"
    BIRTH_CERTIFICATE = "birth_certificate", "Birth certificate"
    OTHER = "other", "Other document"


class Member(models.Model):
    """A person of a travel group. Names, date of birth and document number are sealed at rest."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="members")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    given_names = EncryptedTextField()
    family_names = EncryptedTextField()
    date_of_birth = EncryptedDateField()
    nationality = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    document_type = models.CharField(max_length=20, choices=DocumentType.choices, blank=True)
    document_number = EncryptedTextField(null=True, blank=True)
    # Keyed hash of the normalised document number: one person, one registration, across all groups.
    document_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Keyed hash of the normalised names, date of birth and nationality: many people have no document,
    # and a person without one must not be registered in two groups either (issue 14). Not unique in the
    # table (two documented namesakes born the same day may both be real); the services check it.
    person_index = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["applicant", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"], condition=Q(relationship="self"), name="member_one_principal_per_group"
            ),
            models.CheckConstraint(
                condition=Q(nationality__regex=r"^[A-Z]{2}$"), name="member_nationality_form"
            ),
            models.CheckConstraint(
                condition=Q(document_index__isnull=True) | ~Q(document_type=""),
                name="member_document_has_type",
            ),
        ]

    def __str__(self) -> str:
        return f"Member {self.pk} of applicant {self.applicant_id}"

    @property
    def full_name(self) -> str:
        """Given and family names."""
        return f"{self.given_names} {self.family_names}"


class Consent(models.Model):
    """Who agreed to which text, when, in which language, and who recorded it (the applicant or an NGO)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="consents")
    text_version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=Language.choices)
    recorded_by = models.CharField(max_length=80, help_text="Actor label: applicant:12 or ngo:7")
    at = models.DateTimeField()

    class Meta:
        ordering = ["applicant", "-at"]

    def __str__(self) -> str:
        return f"Consent {self.text_version} by applicant {self.applicant_id}"


CODE_MAX_ATTEMPTS = 5


class CodePurpose(models.TextChoices):
    SIGNIN = "signin", "Sign in"
    CONTACT = "contact", "Confirm a new phone number or email"


class CodeChannel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class OneTimeCode(models.Model):
    """A one-time code sent to a phone or email: to sign in, or to prove a new contact of an applicant.

    Only a keyed hash of the code is kept (bound to `token`, so equal codes hash differently); the contact
    is sealed and found again through its keyed hash. `token` is the handle the browser's session holds.
    Once `closed_at` is set (used, replaced by a newer code, or out of attempts) the code opens nothing.
    """

    token = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices)
    applicant = models.ForeignKey(
        Applicant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="codes",
        help_text="The account whose new contact this code proves (contact changes only).",
    )
    channel = models.CharField(max_length=5, choices=CodeChannel.choices)
    contact = EncryptedTextField()
    contact_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    client_index = models.CharField(max_length=64, help_text="Keyed hash of the browser session's id.")
    ip_index = models.CharField(max_length=64, help_text="Keyed hash of the caller's address.")
    prefix_index = models.CharField(
        max_length=64, blank=True, help_text="Keyed hash of the phone number but its last 4 digits (SMS)."
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Wrong tries of this code: summed per contact over a day, they lock the contact (ContactLock).
    wrong = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the right code was typed (closed_at is also set when it is replaced or out of tries).
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["contact_index", "created_at"], name="code_contact_recent"),
            models.Index(fields=["client_index", "created_at"], name="code_client_recent"),
            models.Index(fields=["ip_index", "created_at"], name="code_ip_recent"),
            models.Index(fields=["prefix_index", "created_at"], name="code_prefix_recent"),
            models.Index(fields=["created_at"], condition=Q(channel="sms"), name="code_sms_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=CODE_MAX_ATTEMPTS), name="code_attempts_bounded"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="code_expires"),
            models.CheckConstraint(
                condition=Q(purpose="signin", applicant__isnull=True)
                | Q(purpose="contact", applicant__isnull=False),
                name="code_applicant_for_contact_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.pk} ({self.channel})"


class ContactLock(models.Model):
    """A phone or email no code may be sent to or checked for until `locked_until`: too many wrong codes
    were typed for it in a day (cita.registrations.signin). Found by the contact's keyed hash only."""

    contact_index = models.CharField(max_length=64, unique=True)
    locked_at = models.DateTimeField()
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_until__gt=models.F("locked_at")), name="contact_lock_ends_later"
            )
        ]

    def __str__(self) -> str:
        return f"contact lock until {self.locked_until:%Y-%m-%d %H:%M}"


class ReindexProgress(models.Model):
    """How far `cita manage reindex` got in one column for one index key: rows up to `last_id` hold their
    keyed hash under `key_id`, so a stopped run starts again after it."""

    key_id = models.CharField(max_length=16)
    column = models.CharField(max_length=80, help_text="table.column")
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "column"], name="reindex_progress_once")]

    def __str__(self) -> str:
        return f"reindex {self.column} under {self.key_id}: up to {self.last_id}"
