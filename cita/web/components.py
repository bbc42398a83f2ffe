"""Building blocks of applicant pages that later pages reuse: the next-step box and the timeline.

Views build these plain values; `templatetags/cita_web.py` renders them (`{% next_step step %}`,
`{% timeline steps %}`), so every page shows a step, its deadline and the way forward the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class NextStep:
    """What the applicant should do now, by when, and the button that does it.

    `url` with `method="get"` renders a link; `method="post"` renders a one-button form (CSRF included).
    `deadline` is shown in the applicant's language, with its weekday and how long is left, and, when `tz`
    is given, in that time zone, named by `zone` ("Tijuana"); `deadline_label` replaces "Deadline:" (e.g.
    for the moment a result comes). `notes` are short paragraphs after it; `more_url`/`more` add a second,
    plain link.
    """

    title: str
    text: str = ""
    deadline: dt.datetime | None = None
    url: str = ""
    action: str = ""
    method: str = "get"
    tz: str = ""
    tone: str = ""  # "", "ok" or "warn"
    zone: str = ""
    deadline_label: str = ""
    more_url: str = ""
    more: str = ""
    notes: tuple[str, ...] = ()  # further short paragraphs, after the deadline


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    TODO = "todo"
    FAILED = "failed"


@dataclass(frozen=True)
class TimelineStep:
    """One step of the applicant's way through cita: what, its state, and when (done or due)."""

    label: str
    state: StepState = StepState.TODO
    at: dt.datetime | dt.date | None = None
    detail: str = ""
    tz: str = ""
    zone: str = ""  # the place whose clock `at` is in ("Tijuana"), shown after the time
