import datetime as dt

import pytest

from sales_accelerator.engine.reminders import REMINDERS, remind_at, select_options

DUE = dt.datetime(2026, 11, 27, 10, 0)


@pytest.mark.parametrize(
	"choice, expected",
	[
		("At due time", DUE),
		("5 minutes before", dt.datetime(2026, 11, 27, 9, 55)),
		("15 minutes before", dt.datetime(2026, 11, 27, 9, 45)),
		("30 minutes before", dt.datetime(2026, 11, 27, 9, 30)),
		("1 hour before", dt.datetime(2026, 11, 27, 9, 0)),
		("1 day before", dt.datetime(2026, 11, 26, 10, 0)),
		("1 week before", dt.datetime(2026, 11, 20, 10, 0)),
	],
)
def test_every_seed_reminder(choice, expected):
	assert remind_at(DUE, choice) == expected


def test_no_reminder_without_a_choice_or_a_due_time():
	assert remind_at(DUE, None) is None
	assert remind_at(DUE, "") is None
	assert remind_at(DUE, "2 years before") is None
	assert remind_at(None, "At due time") is None


def test_select_options_list_every_choice_after_an_empty_one():
	assert select_options().split("\n") == ["", *REMINDERS]
