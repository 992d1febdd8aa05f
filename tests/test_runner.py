import datetime as dt

import pytest

from sales_accelerator.engine import runner
from sales_accelerator.engine.runner import Calendar, Facts, decide

T0 = dt.datetime(2026, 11, 20, 10, 0)  # Friday
STEPS = [
	{"step_id": "start", "step_type": "Start"},
	{"step_id": "mail", "step_type": "Automated Email", "email_template": "Intro"},
	{"step_id": "call", "step_type": "Phone Call", "subject": "Call"},
	{
		"step_id": "answered",
		"step_type": "Condition",
		"condition": "Call Answered",
		"timeout_days": 1,
		"yes_step": "meet",
		"no_step": "wait",
	},
	{"step_id": "meet", "step_type": "Meeting", "is_end": 1},
	{"step_id": "wait", "step_type": "Wait", "wait_days": 2},
	{
		"step_id": "stage",
		"step_type": "Command",
		"field_name": "status",
		"operator": "=",
		"value": "Open",
		"yes_step": "drop",
		"no_step": "task",
	},
	{"step_id": "task", "step_type": "Task", "is_end": 1},
	{"step_id": "drop", "step_type": "Update Field", "field_name": "status", "value": "Do Not Contact"},
]
CAL = Calendar()


def at(step_id, **facts):
	return decide(
		STEPS, step_id, Facts(now=facts.pop("now", T0), step_started=facts.pop("started", T0), **facts), CAL
	)


def test_start_and_automated_email_send_once_then_advance():
	assert at("start") == runner.Decision(runner.ADVANCE, "mail")
	assert at("mail").action == runner.SEND_EMAIL
	assert at("mail", effect_done=True) == runner.Decision(runner.ADVANCE, "call")


def test_activities_wait_for_the_seller():
	assert at("call").action == runner.MAKE_ACTIVITY
	assert at("call", activity_status="Open").action == runner.WAIT_FOR_SELLER
	assert at("call", activity_status="Completed").next_step == "answered"
	assert at("call", activity_status="Skipped").next_step == "answered"
	assert at("meet", activity_status="Completed") == runner.Decision(runner.ADVANCE, None)  # the end


def test_condition_takes_yes_when_met_and_no_after_the_time_out():
	assert at("answered", condition_met=True) == runner.Decision(runner.ADVANCE, "meet", branch="yes")
	waiting = at("answered", now=T0 + dt.timedelta(hours=23))
	assert waiting == runner.Decision(runner.WAIT_UNTIL, due=T0 + dt.timedelta(days=1))
	assert at("answered", now=T0 + dt.timedelta(days=1)) == runner.Decision(
		runner.ADVANCE, "wait", branch="no"
	)


def test_a_condition_known_to_fail_takes_no_at_once():
	assert at("answered", condition_failed=True) == runner.Decision(runner.ADVANCE, "wait", branch="no")
	assert at("answered", condition_met=True, condition_failed=True).branch == "yes"


def test_wait_counts_business_days_when_asked():
	assert at("wait").due == T0 + dt.timedelta(days=2)  # Sunday
	business = decide(STEPS, "wait", Facts(now=T0, step_started=T0), Calendar(business_days=True))
	assert business.due == dt.datetime(2026, 11, 24, 10, 0)  # Tuesday
	assert at("wait", now=T0 + dt.timedelta(days=2)).next_step == "stage"


def test_command_branches_on_the_records_value():
	assert at("stage", field_value="Open").next_step == "drop"
	assert at("stage", field_value="Replied").next_step == "task"
	assert at("drop").action == runner.UPDATE_RECORD
	assert at("drop", effect_done=True) == runner.Decision(runner.ADVANCE, None)


@pytest.mark.parametrize(
	"actual, operator, expected, result",
	[
		("Proposal/Price Quote", "=", "proposal/price quote", True),
		(10, ">", "9", True),
		("10", "<", "9", False),
		(2.5, ">=", 2.5, True),
		("Open", "!=", "Open", False),
		("Open", "in", "Open, Replied", True),
		("Lost", "not in", "Open, Replied", True),
		("Acme Corp", "like", "%acme%", True),
		(None, "is set", None, False),
		("x", "is set", None, True),
		("", "is not set", None, True),
		("abc", ">", "abd", False),
	],
)
def test_compare(actual, operator, expected, result):
	assert runner.compare(actual, operator, expected) is result


def test_condition_subject_is_named_or_the_nearest_activity_before():
	assert runner.condition_subject(STEPS, "answered") == "call"
	steps = [dict(s) for s in STEPS]
	steps[3]["condition_step"] = "mail"
	assert runner.condition_subject(steps, "answered") == "mail"


def test_remaining_steps_counts_the_longest_way_ahead():
	# call, then one of meet, task or drop (the automated email is the system's work)
	assert runner.remaining_steps(STEPS, "start") == 2
	assert runner.remaining_steps(STEPS, "answered") == 1
	assert runner.remaining_steps(STEPS, "meet") == 1


@pytest.mark.parametrize(
	"record_type, values, reason",
	[
		("Lead", {"status": "Converted"}, "Lead is Converted"),
		("Lead", {"status": "Do Not Contact"}, "Lead is Do Not Contact"),
		("Lead", {"status": "Open"}, None),
		("Opportunity", {"status": "Lost"}, "Opportunity is Lost"),
		("Opportunity", {"status": "Converted"}, "Opportunity is Converted"),
		("Customer", {"disabled": 1}, "Customer is disabled"),
		("Customer", {"disabled": 0}, None),
		("Contact", {"unsubscribed": 1}, "Contact unsubscribed (Do Not Contact)"),
		("Prospect", {}, None),
	],
)
def test_closed_reason(record_type, values, reason):
	found = runner.closed_reason(record_type, values)
	assert (found[0].format(found[1]) if found else None) == reason


def test_closing_fields_are_what_closed_reason_reads():
	assert runner.closing_fields("Lead") == ["status"]
	assert runner.closing_fields("Prospect") == []
	assert runner.closing_fields("User") == []
	values = {field: "Converted" for field in runner.closing_fields("Lead")}
	assert runner.closed_reason("Lead", values) == ("Lead is {0}", "Converted")


def test_sequences_with_field_updates_need_write_access():
	assert runner.has_field_updates(STEPS)
	assert not runner.has_field_updates([s for s in STEPS if s["step_type"] != "Update Field"])


def test_error_summary_keeps_the_last_line_of_a_traceback():
	traceback = "Traceback (most recent call last):\n  File x\nsmtplib.SMTPRecipientsRefused: 550 no\n\n"
	assert runner.error_summary(traceback) == "smtplib.SMTPRecipientsRefused: 550 no"
	assert runner.error_summary("x" * 2000) == "x" * 1000
	assert runner.error_summary("") is None
	assert runner.error_summary(None) is None


WORKING = Calendar(day_start=dt.time(9, 0), day_end=dt.time(17, 0))


def test_a_wait_lands_at_the_same_time_of_day_or_the_next_working_start():
	at_ten = decide(STEPS, "wait", Facts(now=T0, step_started=T0), WORKING)
	assert at_ten.due == dt.datetime(2026, 11, 22, 10, 0)  # two days later, still 10:00
	evening = T0.replace(hour=18)
	assert decide(STEPS, "wait", Facts(now=evening, step_started=evening), WORKING).due == dt.datetime(
		2026, 11, 23, 9, 0
	)


def test_a_condition_times_out_inside_working_hours():
	started = T0.replace(hour=20)
	deadline = decide(STEPS, "answered", Facts(now=started, step_started=started), WORKING).due
	assert deadline == dt.datetime(2026, 11, 22, 9, 0)  # 20:00 the next day is after hours


def test_an_activity_is_due_at_the_end_of_the_sellers_working_day():
	assert WORKING.due(T0) == T0.replace(hour=17)
	assert WORKING.due(T0.replace(hour=21)) == dt.datetime(2026, 11, 21, 17, 0)
	assert CAL.due(T0) == T0.replace(hour=23, minute=59, second=59)  # no working hours: the day's end
