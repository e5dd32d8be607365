"""Capabilities, one module each: every handler declares its filter and its 「帮助」 line.

Handlers receive neutral ``IncomingMessage`` objects and return ``Reply`` objects. They must not
know wire formats, HTTP, signatures or SQL: state comes through the ``conversation`` object and
knowledge through the ``matcher`` they are given.
"""

from bot.router import Handler
from handlers import faq, help, stage

# Declared order: the first handler whose filter matches wins; the FAQ is the last resort.
HANDLER_ORDER: tuple[Handler, ...] = (
    help.help_handler,
    faq.more_handler,
    faq.pick_handler,
    stage.stage_handler,
    faq.faq_handler,
)
