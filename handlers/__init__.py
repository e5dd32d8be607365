"""Capabilities, one module each: every handler declares its filter and its 「帮助」 line.

Handlers receive neutral ``IncomingMessage`` objects and return ``Reply`` objects. They must not
know wire formats, HTTP, signatures or SQL: state comes through the ``conversation`` object and
knowledge through the ``matcher`` they are given.
"""

from bot.router import Handler
from handlers import checkin, faq, help, meeting_admin, stage

# Declared order: the first handler whose filter matches wins; the FAQ is the last resort.
HANDLER_ORDER: tuple[Handler, ...] = (
    help.help_handler,
    faq.more_handler,
    faq.pick_handler,
    # Meeting commands: before the stage and FAQ handlers, so 「签到」 is never taken for a question.
    # 「签到情况」 and the other secretary commands come before 「签到」, whose words they start with.
    meeting_admin.open_handler,
    meeting_admin.close_handler,
    meeting_admin.status_handler,
    checkin.my_checkins_handler,
    meeting_admin.proxy_handler,
    meeting_admin.makeup_handler,
    meeting_admin.approve_handler,
    meeting_admin.reject_handler,
    meeting_admin.export_handler,
    meeting_admin.bind_handler,
    checkin.leave_handler,
    checkin.checkin_handler,
    stage.stage_handler,
    faq.faq_handler,
)
