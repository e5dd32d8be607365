"""Milestone meetings: the roster, check-in, leave and attendance reports.

``kinds`` reads the meeting kinds (``config/meetings.toml``); ``roles`` and ``permissions`` hold the
roster's roles and the one permission table; ``roster`` reads and validates roster files;
``service`` applies the rules (windows, lateness, leave, proxies) on top of the storage functions in
:mod:`bot.storage.attendance_repo`; ``report`` builds attendance reports and the .xlsx / .csv export.
Nothing here knows a chat platform's wire format.
"""
