"""Staff sign-in (password, then TOTP or a recovery code), authenticator enrolment, own account, sign-out."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.core.access import allow, mfa_step
from cita.core.actors import STAFF_ROLES, Role
from cita.core.errors import CitaError
from cita.core.forms import form_error_add
from cita.core.http import actor_of, caller_ip
from cita.staff.errors import AlreadyEnrolled
from cita.staff.forms import AppCodeForm, CodeForm, PasswordChangeForm, PasswordForm
from cita.staff.middleware import SESSION_IDLE_ENDED
from cita.staff.models import User
from cita.staff.selectors import recovery_codes_left, residents_needing_action, staff_has_mfa
from cita.staff.services import (
    recovery_code_display,
    recovery_codes_regenerate,
    staff_password_change,
    staff_password_check,
    staff_second_factor_check,
    staff_signed_out,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from cita.staff.views.common import safe_next

LOW_RECOVERY_CODES = 3


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _with_next(url_name: str, target: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': target})}"


@allow(Role.PUBLIC)
@require_http_methods(["GET", "POST"])
@never_cache
def signin(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password."""
    idle_ended = bool(request.session.pop(SESSION_IDLE_ENDED, False))
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_password_check(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=caller_ip(request),
            )
        except CitaError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            return HttpResponseRedirect(_with_next("staff:mfa", safe_next(request)))
    return render(
        request,
        "staff/signin.html",
        {
            "form": form,
            "next": safe_next(request),
            "idle_ended": idle_ended,
            "idle_minutes": settings.CITA_STAFF_IDLE_SECONDS // 60,
        },
    )


@allow(*STAFF_ROLES)
@mfa_step
@require_http_methods(["GET", "POST"])
@never_cache
def mfa(request: HttpRequest) -> HttpResponse:
    """Step 2: a TOTP code or a recovery code (or, with no authenticator yet, enrolment)."""
    user, target = _user(request), safe_next(request)
    if actor_of(request).is_staff:
        return HttpResponseRedirect(target)
    if not staff_has_mfa(user=user):
        return HttpResponseRedirect(_with_next("staff:mfa_enrol", target))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = staff_second_factor_check(user=user, token=form.cleaned_data["code"])
        except CitaError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)
            left = recovery_codes_left(user=user)
            if left < LOW_RECOVERY_CODES:
                codes = "recovery code" if left == 1 else "recovery codes"
                messages.warning(
                    request, f"You have {left} {codes} left. Make new ones on the My account page."
                )
            return HttpResponseRedirect(target)
    return render(request, "staff/mfa.html", {"form": form, "next": target})


@allow(*STAFF_ROLES)
@mfa_step
@require_http_methods(["GET", "POST"])
@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up an authenticator app (QR code and secret), confirm it with a code, and receive
    the recovery codes, shown this once."""
    user, target = _user(request), safe_next(request)
    try:
        device = totp_enrolment_start(user=user)
    except AlreadyEnrolled:
        return HttpResponseRedirect(_with_next("staff:mfa", target))
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = totp_enrolment_confirm(user=user, token=form.cleaned_data["code"])
        except AlreadyEnrolled:
            return HttpResponseRedirect(_with_next("staff:mfa", target))
        except CitaError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, confirmed)
            return _recovery_codes_page(request, codes, target, first_time=True)
    return render(request, "staff/enrol.html", {"form": form, "next": target, **_enrolment(device)})


def _enrolment(device: TOTPDevice) -> dict[str, str]:
    """The QR code (inline SVG) and the secret in groups of four, for typing it in by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR code to add cita to your authenticator app", svgclass="qrcode"
    )
    return {"qr_svg": qr, "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))}


def _recovery_codes_page(
    request: HttpRequest, codes: list[str], target: str, *, first_time: bool
) -> HttpResponse:
    response = render(
        request,
        "staff/recovery_codes.html",
        {"codes": [recovery_code_display(c) for c in codes], "next": target, "first_time": first_time},
    )
    response["Cache-Control"] = "no-store"
    return response


@allow(*STAFF_ROLES)
@mfa_step
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End the staff session."""
    staff_signed_out(user=_user(request), reason="signout")
    logout(request)
    return render(request, "staff/signed_out.html")


@allow(*STAFF_ROLES)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The staff start page: the consoles this role may open (an NGO worker: how many residents need
    action today)."""
    actor = actor_of(request)
    ngo = actor.role is Role.NGO and actor.shelter_id is not None and not actor.mfa_pending
    count = residents_needing_action(actor=actor) if ngo else 0
    return render(request, "staff/home.html", {"action_count": count})


def _profile(
    request: HttpRequest,
    codes_form: AppCodeForm | None = None,
    password_form: PasswordChangeForm | None = None,
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "staff/profile.html",
        {
            "codes_left": recovery_codes_left(user=user),
            "codes_form": codes_form or AppCodeForm(prefix="codes"),
            "password_form": password_form or PasswordChangeForm(prefix="password"),
        },
    )


@allow(*STAFF_ROLES)
@require_GET
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """My account: role, recovery codes left, new recovery codes, password change."""
    return _profile(request)


@allow(*STAFF_ROLES)
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make new recovery codes (a current code from the app proves it is still you); shown once."""
    form = AppCodeForm(request.POST, prefix="codes")
    if form.is_valid():
        try:
            codes = recovery_codes_regenerate(user=_user(request), token=form.cleaned_data["code"])
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            return _recovery_codes_page(request, codes, reverse("staff:profile"), first_time=False)
    return _profile(request, codes_form=form)


@allow(*STAFF_ROLES)
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    """Change my password; my other sessions end, this one goes on."""
    form = PasswordChangeForm(request.POST, prefix="password")
    if form.is_valid():
        user = _user(request)
        try:
            staff_password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Your password is changed.")
            return HttpResponseRedirect(reverse("staff:profile"))
    return _profile(request, password_form=form)
