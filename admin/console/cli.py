"""`python -m admin users ...` and `python -m admin changes ...`: the staff console's accounts
and the FAQ changes made in it (docs/console.md).

    python -m admin users add NAME --role editor|viewer   # asks for the password
    python -m admin users passwd NAME                     # a new password
    python -m admin users disable NAME | enable NAME
    python -m admin users role NAME editor|viewer
    python -m admin users list
    python -m admin changes list                          # the console's FAQ changes
    python -m admin changes undo ID                       # put one back, content and index

Passwords are never taken from the command line (other users of the machine see it in `ps`):
they are asked for twice in a terminal, or read as the first line of standard input
(`printf '%s\n' "$PASSWORD" | python -m admin users add ...`).
The accounts live in DUTA_CONSOLE_DB (default var/console.db), the running gateway's file.
`changes undo` needs what `make retrain` needs to reach the running stack (DUTA_ADMIN_TOKEN,
ACTION_SERVER_URL; DUTA_KNOWLEDGE_DIR and DUTA_INDEX_DIR if not the defaults); the change log
names DUTA_CHANGED_BY or the login name.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from admin.console.store import ROLES, AccountError, ConsoleStore, check_password
from bot.config import PRIVATE_UMASK


def console_db() -> Path:
    """The running gateway's file: DUTA_CONSOLE_DB, else beside DUTA_TRACKER_DB as `make run`
    puts it (deploy/stack.py), else var/console.db."""
    configured = os.environ.get("DUTA_CONSOLE_DB", "").strip()
    if configured:
        return Path(configured)
    tracker = os.environ.get("DUTA_TRACKER_DB", "").strip()
    return Path(tracker).parent / "console.db" if tracker else Path("var/console.db")


def read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    check_password(first)
    if confirm and getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def add_parsers(commands: Any) -> None:
    """The `users` and `changes` commands of `python -m admin` (their one-line help: admin/cli.py
    `CONSOLE_COMMANDS`)."""
    users = commands.add_parser(
        "users",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = users.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    sub.add_parser("passwd", help="set a new password (asks for it)").add_argument("name")
    sub.add_parser("disable", help="no more logins; open sessions end").add_argument("name")
    sub.add_parser("enable", help="allow logins again").add_argument("name")
    role = sub.add_parser("role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    sub.add_parser("list", help="the accounts, their roles and state")
    changes = commands.add_parser(
        "changes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csub = changes.add_subparsers(dest="action", required=True)
    csub.add_parser("list", help="newest first: id, when, who, what")
    undo = csub.add_parser("undo", help="put the FAQ file and the index back as before a change")
    undo.add_argument("change_id", type=int)


def run(args: argparse.Namespace) -> int:
    os.umask(PRIVATE_UMASK)
    store = ConsoleStore(console_db())
    if args.command == "changes":
        return run_changes(store, args.action, getattr(args, "change_id", 0))
    try:
        if args.action == "add":
            store.add_user(args.name, args.role, read_password())
            print(f"account {args.name} ({args.role}) created in {store.path}")
        elif args.action == "passwd":
            store.set_password(args.name, read_password())
            print(f"password of {args.name} changed; its open sessions ended")
        elif args.action in ("disable", "enable"):
            store.set_disabled(args.name, args.action == "disable")
            print(f"account {args.name} {args.action}d")
        elif args.action == "role":
            store.set_role(args.name, args.role)
            print(f"account {args.name} is now {args.role}")
        else:
            for user, locked in store.users():
                state = "disabled" if user.disabled else "locked" if locked else "active"
                print(f"{user.name:40s} {user.role:7s} {state}")
    except AccountError as error:
        print(f"duta admin: {error}", file=sys.stderr)
        return 2
    return 0


def run_changes(store: ConsoleStore, action: str, change_id: int) -> int:
    if action == "list":
        for change in store.changes():
            state = f" (undone by #{change.undone_by})" if change.undone_by else ""
            print(
                f"#{change.id:<5} {change.at[:16]} {change.name:20s} {change.action:10s} "
                f"{change.faq_id} (faq/{change.file}){state}"
            )
        return 0
    change = store.change(change_id)
    if change is None or change.undone_by is not None:
        print(f"duta admin: no change #{change_id} to undo", file=sys.stderr)
        return 2
    from admin.changelog import who
    from admin.console.desk import KnowledgeDesk

    by = who()
    outcome = KnowledgeDesk().undo(change.faq_id, change.file, change.before, change.after, by)
    for error in outcome.errors:
        print(f"duta admin: {error}", file=sys.stderr)
    if not outcome.published or outcome.change is None:
        return 2
    file, before, after = outcome.change
    undone = store.add_change(by, f"undo #{change.id}", change.faq_id, file, before, after)
    store.mark_undone(change.id, undone)
    state = "live" if outcome.live else f"not live: {outcome.failure}"
    store.audit(by, f"undo #{change.id}", f"FAQ {change.faq_id} (command line); {state}")
    for line in outcome.lines:
        print(line)
    print(f"undid #{change.id} ({change.action} {change.faq_id}); {state}")
    return 0 if outcome.live else 1
