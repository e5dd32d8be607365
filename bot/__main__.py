"""``python -m bot`` is the same as the ``xueshi`` command."""

from bot.cli import main

main()
