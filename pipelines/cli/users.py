"""`callscope users`: cabinet users and their API tokens (the first administrator comes from here)."""

import csv
from pathlib import Path

import typer
from sqlalchemy import select

from data.config.models.access import User
from data.config.store import ConfigStore
from data.errors import ConfigError, InputError
from pipelines.cli.common import emit, run_cli
from serving.access import accounts
from serving.errors import ServingError

users_app = typer.Typer(help="Cabinet users, their API tokens and rights.", no_args_is_help=True)


def _store() -> ConfigStore:
    return ConfigStore.from_settings()


def _user(session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise ConfigError(f"user {login}", "login", "no such user")
    return user


@users_app.command("create")
@run_cli
def create(
    login: str = typer.Argument(..., help="Login of the new user."),
    email: str | None = typer.Option(None, help="E-mail of the user."),
    full_name: str | None = typer.Option(None, "--full-name", help="Full name."),
    account: int | None = typer.Option(
        None, "--account", help="The account the user belongs to (required unless --operator)."
    ),
    admin: bool = typer.Option(False, "--admin", help="Full access within the account."),
    operator: bool = typer.Option(
        False, "--operator", help="A platform operator: no account, acts across accounts."
    ),
) -> None:
    """Creates a user of an account (or a platform operator) and prints their API token. The
    token is shown only this once."""
    if (account is None) != operator:
        raise ConfigError(
            f"user {login}", "account", "give --account ID, or --operator for a platform operator"
        )
    store = _store()
    try:
        with store.session() as session:
            user = accounts.create_user(
                session,
                login,
                "cli",
                email=email,
                full_name=full_name,
                full_access=admin,
                account_id=account,
                operator=operator,
            )
            token = accounts.issue_token(session, user, "cli")
    except ServingError as error:
        field = "account" if error.detail.startswith("account_id") else "login"
        raise ConfigError(f"user {login}", field, error.detail) from None
    finally:
        store.dispose()
    emit(
        {
            "login": login,
            "account_id": account,
            "operator": operator,
            "full_access": admin,
            "token": token,
        }
    )


@users_app.command("token")
@run_cli
def token(
    login: str = typer.Argument(..., help="Login of an existing user."),
    revoke_others: bool = typer.Option(False, "--revoke-others", help="Revoke older tokens."),
) -> None:
    """Issues a new API token for a user and prints it once."""
    store = _store()
    try:
        with store.session() as session:
            user = _user(session, login)
            if revoke_others:
                accounts.revoke_tokens(session, user)
            new_token = accounts.issue_token(session, user, "cli")
    finally:
        store.dispose()
    emit({"login": login, "token": new_token})


@users_app.command("list")
@run_cli
def list_users() -> None:
    """Prints one JSON line per user."""
    store = _store()
    try:
        with store.session() as session:
            for user in session.scalars(select(User).order_by(User.id)):
                emit(
                    {
                        "id": user.id,
                        "login": user.login,
                        "account_id": user.account_id,
                        "operator": user.is_operator,
                        "email": user.email,
                        "is_active": user.is_active,
                        "full_access": user.rights_set.full_access,
                        "roles": [role.name for role in user.roles],
                    }
                )
    finally:
        store.dispose()


@users_app.command("export")
@run_cli
def export(output: Path = typer.Option(..., "--output", "-o", help="CSV file to write.")) -> None:
    """Writes users and their rights (own and from roles) as CSV."""
    store = _store()
    try:
        with store.session() as session:
            rows = accounts.export_rows(session)
    finally:
        store.dispose()
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=accounts.EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as error:
        raise InputError(output, None, None, f"cannot write: {error.strerror}") from None
    emit({"users_rights_rows": len(rows), "output": str(output)})


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the main app."""
    app.add_typer(users_app, name="users")
