"""``python -m bot``: the Telegram bot, the same as ``ramtid bot``.

Long polling, or a webhook with RAMTID_WEBHOOK_URL. Which backend the bot talks to (the one
at RAMTID_BACKEND_URL, or one inside this process) is the composition root's choice, so this
hands over to ``ramtid``; nothing in ``bot`` imports the backend's start-up.
"""

import sys

from ramtid.cli import main

if __name__ == "__main__":
    sys.exit(main(["bot"]))
