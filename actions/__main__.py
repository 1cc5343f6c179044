"""`python -m actions`: the action server on ACTION_SERVER_PORT (default 5055).

Unlike `rasa_sdk`'s own runner (Sanic worker processes), this serves from one process, so the
knowledge base loaded here is the one the actions use and is loaded exactly once.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading

from actions import knowledge_base, missions
from actions.server import build_app
from knowledge import language

DEFAULT_PORT = 5055


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", DEFAULT_PORT))
    )
    parser.add_argument("--index", default=os.environ.get("DUTA_INDEX_DIR"))
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args()
    os.umask(0o077)  # files this process creates are for its owner only

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    knowledge_base.served.start_loading(args.index)
    missions.start_loading()
    threading.Thread(target=language.prepare, name="language-load", daemon=True).start()
    app = build_app()
    app.run(host=args.host, port=args.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
