"""The composition root: the one place that wires the backend, the bot, the notifier and the
terminal demo into processes, and the ``ramtid`` command that starts them.

``backend/`` and ``bot/`` never import each other's start-up; both are imported from here.
"""
