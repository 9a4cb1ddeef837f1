"""Sign-in, sign-out, registration, email verification, password reset and /account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from . import accounts, ratelimit
from .extensions import db
from .forms import (
    AccountDetailsForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from .identity import TokenExpired, TokenInvalid, get_user_by_email, normalise_email
from .navigation import landing_url

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never an open redirect."""
    if not target:
        return None
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example") and drop
    # tabs and newlines, so refuse both before judging the URL.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


#: The same check for other areas' "next" and "back" parameters.
safe_next = _safe_next


def _sign_in(user) -> None:
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(email=request.args.get("email", "")[:254] or None)
    status = 200
    headers = {}
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
        except accounts.SignInBlocked as exc:
            form.email.errors.append(str(exc))
            status = 429
            headers["Retry-After"] = str(exc.retry_after)
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            next_url = _safe_next(request.args.get("next"))
            _sign_in(user)
            flash(f"You are signed in as {user.email}.", "success")
            return redirect(next_url or landing_url(user) or url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, **_onward()), status, headers


def _onward() -> dict:
    """Where the person was heading and the address they were invited at, carried between
    sign-in and sign-up (the destination only as a same-site path)."""
    return {"next_url": _safe_next(request.args.get("next")), "email": request.args.get("email")}


def _throttled(form, exc: ratelimit.Throttled, template: str):
    """The form again, saying who is being slowed down and when to try again: 429."""
    form.email.errors.append(str(exc))
    return render_template(template, form=form), 429, {"Retry-After": str(exc.retry_after)}


@bp.post("/logout")
def logout():
    next_url = accounts.after_sign_out_url()  # e.g. offer signing out at a partner's provider
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.end_all_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out.", "success")
    return redirect(next_url or url_for("brand.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm(email=request.args.get("email", "")[:254] or None)
    if form.validate_on_submit():
        try:
            ratelimit.spend_mail_request(normalise_email(form.email.data), request.remote_addr)
            accounts.register(
                form.email.data,
                form.name.data,
                form.password.data,
                next_url=_safe_next(request.args.get("next")),
            )
        except ratelimit.Throttled as exc:
            return _throttled(form, exc, "auth/register.html")
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            return render_template("auth/check_email.html", email=normalise_email(form.email.data))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form, **_onward()), status


@bp.get("/verify-email/<token>")
def verify_email(token: str):
    try:
        user = accounts.verify_email(token)
    except TokenExpired:
        return _token_problem("This confirmation link has expired", "auth.resend_verification")
    except TokenInvalid:
        return _token_problem("This confirmation link is not valid", "auth.resend_verification")
    db.session.commit()
    next_url = _safe_next(accounts.next_after_verification(token))
    if current_user.is_authenticated and current_user.id == user.id and next_url:
        return redirect(next_url)
    flash(f"Thank you: {user.email} is confirmed. You can now sign in.", "success")
    return redirect(url_for("auth.login", next=next_url, email=user.email if next_url else None))


def _token_problem(title: str, retry_endpoint: str):
    return render_template(
        "auth/token_problem.html", title=title, retry=url_for(retry_endpoint)
    ), 400


@bp.route("/verify-email/new", methods=["GET", "POST"])
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        try:
            ratelimit.spend_mail_request(normalise_email(form.email.data), request.remote_addr)
        except ratelimit.Throttled as exc:
            return _throttled(form, exc, "auth/resend.html")
        user = get_user_by_email(form.email.data)
        if user is not None and not user.email_verified:
            accounts.send_verification(user)
        db.session.commit()
        return render_template("auth/check_email.html", email=form.email.data.lower())
    status = 400 if request.method == "POST" else 200
    return render_template("auth/resend.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        try:
            ratelimit.spend_mail_request(normalise_email(form.email.data), request.remote_addr)
        except ratelimit.Throttled as exc:
            return _throttled(form, exc, "auth/forgot.html")
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template(
            "auth/check_email.html",
            email=form.email.data.lower(),
            reset=True,
            valid_for=accounts.describe_duration(current_app.config["RESET_TOKEN_MAX_AGE_SECONDS"]),
        )
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except TokenExpired:
        return _token_problem("This password reset link has expired", "auth.forgot_password")
    except TokenInvalid:
        return _token_problem(
            "This password reset link is not valid or has already been used",
            "auth.forgot_password",
        )
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(token, form.password.data, request.remote_addr)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    details = AccountDetailsForm(prefix="details", obj=user)
    password = ChangePasswordForm(prefix="password")
    status = 200
    if request.method == "POST":
        if "details-name" in request.form:
            if details.validate_on_submit():
                user.name = details.name.data.strip()
                db.session.commit()
                flash("Your name has been updated.", "success")
                return redirect(url_for("auth.account"))
        elif password.validate_on_submit():
            if not user.check_password(password.current_password.data):
                password.current_password.errors.append("Your current password is not correct")
            else:
                accounts.change_password(user, password.password.data)
                db.session.commit()
                _sign_in(user)  # this session continues under the new key; all others end
                flash(
                    "Your password has been changed. Other sessions have been signed out.",
                    "success",
                )
                return redirect(url_for("auth.account"))
        status = 400
    return (
        render_template(
            "auth/account.html",
            user=user,
            memberships=accounts.memberships_of(user),
            extra_sections=accounts.account_sections(user),
            details=details,
            password=password,
        ),
        status,
    )
