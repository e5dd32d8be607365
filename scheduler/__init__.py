"""Campaign calendar, reminder rules, occurrences, outbox and delivery channels (APScheduler wiring).

Not built yet (see the reminders issue). It must not know how a question is answered.
"""
