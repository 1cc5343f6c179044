"""`python -m bot`: run the gateway until SIGINT or SIGTERM.

With TELEGRAM_BOT_TOKEN set, the same process also runs the Telegram connector (bot/telegram),
which `create_app` adds as a background task of the application.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from aiohttp import web

from bot.app import create_app
from bot.config import PRIVATE_UMASK, ConfigError, Settings
from bot.http_errors import answer_malformed_requests_with_json
from bot.logging_setup import AccessLogger, fields, setup_logging
from knowledge import language

log = logging.getLogger("bot")

# Short, so a supervisor's stop is quick; an answer still in flight gets this long to finish.
SHUTDOWN_TIMEOUT_SECONDS = 5.0
# A connection must deliver a whole request's headers within this time after it opens (or after
# the previous answer), else it is closed: slow clients cannot hold connections open for good.
# Bodies have their own limit (bot/chat_request.py).
IDLE_TIMEOUT_SECONDS = 15.0


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"duta gateway: {error}", file=sys.stderr)
        return 2
    os.umask(PRIVATE_UMASK)
    answer_malformed_requests_with_json()
    setup_logging(settings.log_level, settings.secrets)
    if not settings.log_salt:
        log.warning("LOG_SALT is not set: sender hashes in the logs change at every restart")
    url = f"http://{settings.host}:{settings.port}"
    # The language tie-breaker loads in the background, not at a user's first tie in the loop.
    threading.Thread(target=language.prepare, name="language-load", daemon=True).start()
    try:
        # run_app turns SIGINT and SIGTERM into a graceful stop that closes the upstream session.
        web.run_app(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            access_log_class=AccessLogger,
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
            keepalive_timeout=IDLE_TIMEOUT_SECONDS,
            print=lambda _banner: log.info("listening", extra=fields(url=url)),
        )
    except OSError as error:
        log.error("cannot listen", extra=fields(url=url, error=str(error)))
        return 1
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
