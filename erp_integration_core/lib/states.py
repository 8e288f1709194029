"""The states of an exchange and the moves allowed between them, as data.

``queued``           waiting for (or being retried by) its job
``done``             processed or sent; links and result recorded
``needs_attention``  a person must fix data or configuration, then Retry
``failed``           gave up (remote down too long) or an unexpected error
``ignored``          set aside on purpose, with a reason

A transition not listed here is a programming error, refused before anything
is written.
"""

QUEUED = "queued"
DONE = "done"
NEEDS_ATTENTION = "needs_attention"
FAILED = "failed"
IGNORED = "ignored"

STATES = [
    (QUEUED, "Queued"),
    (DONE, "Done"),
    (NEEDS_ATTENTION, "Needs attention"),
    (FAILED, "Failed"),
    (IGNORED, "Ignored"),
]
OPEN = (QUEUED,)
EXCEPTIONS = (NEEDS_ATTENTION, FAILED)

TRANSITIONS = {
    # A transient failure re-queues the exchange for its next attempt.
    QUEUED: frozenset({QUEUED, DONE, NEEDS_ATTENTION, FAILED, IGNORED}),
    # Retry, or Ignore / Replay.
    NEEDS_ATTENTION: frozenset({QUEUED, IGNORED}),
    FAILED: frozenset({QUEUED, IGNORED}),
    DONE: frozenset(),
    IGNORED: frozenset(),
}


class InvalidTransition(ValueError):
    pass


def check(previous, new):
    if new not in TRANSITIONS.get(previous, ()):
        raise InvalidTransition(f"An exchange cannot go from '{previous}' to '{new}'.")
