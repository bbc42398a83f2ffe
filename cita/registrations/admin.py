"""Admin views of registrations: the only place personal data is shown decrypted to staff."""

from django.contrib import admin

from cita.audit.admin import AuditedAdmin
from cita.core.admin import ReadOnlyAdmin, admin_site
from cita.registrations.models import Applicant, Consent, Member, Shelter


class MemberInline(admin.StackedInline):
    model = Member
    extra = 0
    fields = (
        "relationship",
        "given_names",
        "family_names",
        "date_of_birth",
        "nationality",
        "document_type",
        "document_number",
    )
    readonly_fields = fields
    can_delete = False


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ("text_version", "language", "recorded_by", "at")
    can_delete = False


@admin.register(Applicant, site=admin_site)
class ApplicantAdmin(ReadOnlyAdmin):
    """Read-only (issue 14, item 9): a shelter, language or contact changes through the services, audited
    (a shelter changed here would silently give another shelter's workers access)."""

    list_display = ("id", "language", "shelter", "created_at")
    list_filter = ("language", "shelter")
    fields = ("language", "phone", "email", "shelter", "created_at")
    readonly_fields = ("phone", "email", "created_at")
    inlines = [MemberInline, ConsentInline]


@admin.register(Shelter, site=admin_site)
class ShelterAdmin(AuditedAdmin):
    """Shelters are reference data kept here; every write is audited (occupancy has its own service)."""

    list_display = ("name", "city", "capacity", "occupancy", "occupancy_updated_at")
    list_filter = ("city",)
