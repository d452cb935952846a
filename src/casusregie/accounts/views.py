"""Login with password and TOTP, 2FA set-up, logout and logout everywhere."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.privacy.policy import memberships_of

from .actions import do_confirm_totp_device, do_end_all_sessions
from .forms import LoginForm, TokenForm

MAX_TOKEN_FAILURES = 5


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: `redirect()` reads a bare word such as `foo` as a URL name and
    # answered 500 when it named none (issue 22, finding 10).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            return redirect(_next_url(request))
        # The same message whether the address is unknown or the password wrong.
        form.add_error(None, _("The e-mail address or password is incorrect."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )


def _count_token_failure(request: HttpRequest) -> HttpResponse | None:
    failures = int(request.session.get("token_failures", 0)) + 1
    request.session["token_failures"] = failures
    if failures >= MAX_TOKEN_FAILURES:
        logout(request)
        messages.error(
            request, _("Too many wrong codes. You have been logged out; please log in again.")
        )
        return redirect("accounts:login")
    return None


@login_required
@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect("accounts:setup_2fa")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                # A new session key for the new trust level (session fixation).
                request.session.cycle_key()
                request.session.pop("token_failures", None)
                return redirect(_next_url(request))
        stop = _count_token_failure(request)
        if stop:
            return stop
        form.add_error("token", _("This code is not correct or has expired. Try the new code."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )


@login_required
@never_cache
def setup_2fa_view(request: HttpRequest) -> HttpResponse:
    """Show a QR code for a new TOTP device and confirm it with a first code."""
    user: Any = request.user
    if any(True for _device in devices_for_user(user, confirmed=True)) and not user.is_verified():
        # Replacing a device requires proving possession of the current one first.
        return redirect("accounts:verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            do_confirm_totp_device(device, actor=user)
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(_next_url(request))
        stop = _count_token_failure(request)
        if stop:
            return stop
        form.add_error("token", _("This code is not correct. Check the time on your phone."))
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, title=_("QR code for your authenticator app"), dark="#000")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/setup_2fa.html",
        {
            "form": form,
            "qr_svg": mark_safe(svg),  # noqa: S308 - generated by segno from our own data
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("accounts:login")


@require_POST
@login_required
def logout_everywhere_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    do_end_all_sessions(user, actor=user)
    logout(request)
    messages.info(request, _("You have been logged out on all devices."))
    return redirect("accounts:login")


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    has_device = any(True for _device in devices_for_user(user, confirmed=True))
    return render(
        request,
        "accounts/account.html",
        {"memberships": memberships_of(user), "has_device": has_device},
    )
