"""The Django admin, for admins only, and only after MFA (django-otp's admin site checks the device), and
the read-only page every domain's admin.py uses for records that change only through its services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class CitaAdminSite(OTPAdminSite):
    site_header = "cita administration"
    site_title = "cita admin"
    index_title = "Records"

    def has_permission(self, request: HttpRequest) -> bool:
        """Admins who passed MFA."""
        user = request.user
        return bool(super().has_permission(request) and getattr(user, "role", "") == "admin")

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        """Staff sign in through the staff login (password, then TOTP)."""
        return HttpResponseRedirect(f"{reverse('staff:login')}?next={reverse('admin:index')}")


admin_site = CitaAdminSite(name="admin")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and details only: writes belong to the services (audited)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
