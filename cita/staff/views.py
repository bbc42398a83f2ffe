"""Staff sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from cita.core.access import allow, mfa_step
from cita.core.actors import STAFF_ROLES, Role
from cita.core.errors import CitaError
from cita.staff.forms import CodeForm, PasswordForm
from cita.staff.services import staff_password_check, staff_second_factor_check


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/staff/"
    return target


@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password."""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_password_check(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            return HttpResponseRedirect(f"/staff/mfa?next={_next(request)}")
    return render(request, "staff/signin.html", {"form": form, "next": _next(request)})


@allow(*STAFF_ROLES)
@mfa_step
@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    """Step 2: a TOTP code or a recovery code."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = staff_second_factor_check(user=request.user, token=form.cleaned_data["code"])  # type: ignore[arg-type]
        except CitaError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
    return render(request, "staff/mfa.html", {"form": form, "next": _next(request)})


@allow(*STAFF_ROLES)
@mfa_step
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End the staff session."""
    logout(request)
    return render(request, "staff/signed_out.html")


@allow(*STAFF_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The staff start page: the consoles this role may open."""
    return render(request, "staff/home.html")
