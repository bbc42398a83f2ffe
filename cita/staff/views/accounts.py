"""Staff accounts, for admins: list, create, change role and binding, deactivate, reset MFA or password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cita.core.access import allow
from cita.core.actors import Role
from cita.core.errors import CitaError
from cita.core.forms import form_error_add
from cita.core.http import actor_of
from cita.staff.forms import AccountCreateForm, AccountRoleForm
from cita.staff.models import StaffRole, User
from cita.staff.selectors import staff_get_for_actor, staff_is_locked, staff_list_for_actor
from cita.staff.services import (
    staff_activate,
    staff_create,
    staff_deactivate,
    staff_mfa_reset,
    staff_password_reset,
    staff_role_set,
)


def _account(request: HttpRequest, user_id: int) -> User:
    return staff_get_for_actor(actor=actor_of(request), user_id=user_id)


@allow(Role.ADMIN)
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    """Every staff account, filtered by role and status."""
    role = request.GET.get("role", "")
    role = role if role in StaffRole.values else ""
    status = request.GET.get("status", "")
    active = {"active": True, "inactive": False}.get(status)
    users = staff_list_for_actor(actor=actor_of(request), role=role, active=active)
    return render(
        request,
        "staff/accounts/list.html",
        {"users": users, "roles": StaffRole.choices, "role": role, "status": status},
    )


@allow(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@never_cache
def account_new(request: HttpRequest) -> HttpResponse:
    """Open a staff account; its initial password is shown once."""
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = staff_create(
                actor=actor_of(request),
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                port=data["port"],
                shelter=data["shelter"],
            )
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            return _password_page(request, user, password, created=True)
    return render(request, "staff/accounts/new.html", {"form": form})


def _password_page(request: HttpRequest, user: User, password: str, *, created: bool) -> HttpResponse:
    response = render(
        request, "staff/accounts/password.html", {"account": user, "password": password, "created": created}
    )
    response["Cache-Control"] = "no-store"
    return response


def _detail(request: HttpRequest, user: User, form: AccountRoleForm | None = None) -> HttpResponse:
    form = form or AccountRoleForm(initial={"role": user.role, "port": user.port, "shelter": user.shelter})
    context: dict[str, Any] = {
        "account": user,
        "form": form,
        "locked": staff_is_locked(user=user),
        "is_self": user.pk == actor_of(request).user_id,
    }
    return render(request, "staff/accounts/detail.html", context)


@allow(Role.ADMIN)
@require_GET
def account_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One staff account, with its actions."""
    return _detail(request, _account(request, user_id))


@allow(Role.ADMIN)
@require_POST
def account_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change the role and its port or shelter."""
    user = _account(request, user_id)
    form = AccountRoleForm(request.POST)
    if form.is_valid():
        try:
            staff_role_set(
                actor=actor_of(request),
                user=user,
                role=form.cleaned_data["role"],
                port=form.cleaned_data["port"],
                shelter=form.cleaned_data["shelter"],
            )
        except CitaError as exc:
            form_error_add(form, exc)
        else:
            messages.success(
                request, f"{user.username} is now {user.get_role_display()}; their sessions ended."
            )
            return HttpResponseRedirect(reverse("staff:account", args=[user.pk]))
    return _detail(request, user, form)


def _action(request: HttpRequest, user_id: int, action: Any, done: str) -> HttpResponse:
    user = _account(request, user_id)
    try:
        action(actor=actor_of(request), user=user)
    except CitaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(username=user.username))
    return HttpResponseRedirect(reverse("staff:account", args=[user.pk]))


@allow(Role.ADMIN)
@require_POST
def account_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    """Close an account; its sessions end at once."""
    return _action(request, user_id, staff_deactivate, "{username} is deactivated and signed out everywhere.")


@allow(Role.ADMIN)
@require_POST
def account_activate(request: HttpRequest, user_id: int) -> HttpResponse:
    """Open a closed account again."""
    return _action(request, user_id, staff_activate, "{username} is active again.")


@allow(Role.ADMIN)
@require_POST
def account_mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Remove the authenticator app and recovery codes: the member sets up a new app at next sign-in."""
    return _action(
        request, user_id, staff_mfa_reset, "{username} sets up a new authenticator app at their next sign-in."
    )


@allow(Role.ADMIN)
@require_POST
@never_cache
def account_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Give a new initial password, shown once."""
    user = _account(request, user_id)
    try:
        password = staff_password_reset(actor=actor_of(request), user=user)
    except CitaError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("staff:account", args=[user.pk]))
    return _password_page(request, user, password, created=False)
