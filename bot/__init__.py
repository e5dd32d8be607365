"""The bot's frame: neutral message types, the router, settings, storage, the HTTP app and the CLI.

It wires the capabilities in ``handlers/`` to the outside world. It must not know what a FAQ item
or a meeting *means*: that lives in ``faq/`` and ``handlers/``.
"""
