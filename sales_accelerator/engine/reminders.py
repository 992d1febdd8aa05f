"""When to remind a seller of an activity."""

import datetime

# choice -> minutes before the due time
REMINDERS: dict[str, int] = {
	"At due time": 0,
	"5 minutes before": 5,
	"15 minutes before": 15,
	"30 minutes before": 30,
	"1 hour before": 60,
	"1 day before": 24 * 60,
	"1 week before": 7 * 24 * 60,
}


def remind_at(due: datetime.datetime | None, choice: str | None) -> datetime.datetime | None:
	"""The moment to remind, or None when there is no due time or no reminder is wanted."""
	if not due or not choice or choice not in REMINDERS:
		return None
	return due - datetime.timedelta(minutes=REMINDERS[choice])


def select_options() -> str:
	"""Options of the Select fields that hold a reminder choice (empty: no reminder)."""
	return "\n" + "\n".join(REMINDERS)
