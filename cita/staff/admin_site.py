"""The Django admin, for admins only, and only after MFA (django-otp's admin site checks the device)."""

from __future__ import annotations

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
