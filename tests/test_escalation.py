import datetime as dt
from functools import partial

import pytest

from sales_accelerator.engine import EngineError
from sales_accelerator.engine import escalation as esc
from sales_accelerator.engine.timing import add_working_hours

LEAD_FIELDS = {
	"lead_name": "Data",
	"status": "Select",
	"lead_owner": "Link",
	"contact_date": "Datetime",
	"ends_on": "Date",
	"secret": "Password",
}
T = dt.datetime(2026, 11, 18, 10, 0)  # a Wednesday


def rule(**values):
	return {
		"document_type": "Sequence Activity",
		"measure_from": "Due Time",
		"overdue_hours": 4,
		"levels": 2,
		"every_hours": 8,
		"action": "Notify",
		**values,
	}


def refused(message_part, **values):
	with pytest.raises(EngineError) as caught:
		esc.validate_rule(rule(**values), LEAD_FIELDS, {"lead_owner"})
	assert message_part in str(caught.value)


# -- what a rule may watch ---------------------------------------------------------------------------
def test_activities_todos_and_records_may_be_watched_but_not_the_framework():
	assert esc.target_refusal("Sequence Activity", "Sales Accelerator") is None
	assert esc.target_refusal("ToDo", "Desk") is None
	assert esc.target_refusal("Lead", "CRM") is None
	assert "framework" in esc.target_refusal("User", "Core")
	assert "automation itself" in esc.target_refusal("Escalation Log", "Sales Accelerator")
	assert "child table" in esc.target_refusal("Sequence Step", "Sales Accelerator", istable=True)


def test_known_kinds_bring_their_due_time_assignee_and_open_state():
	assert esc.measure_column(rule()) == "due"
	assert esc.assignee_field(rule()) == "seller"
	assert esc.measure_column(rule(document_type="ToDo")) == "date"
	assert esc.assignee_field(rule(document_type="ToDo")) == "allocated_to"
	assert esc.open_filters("ToDo") == [["status", "=", "Open"]]
	lead = rule(document_type="Lead", due_field="contact_date", assignee_field="lead_owner")
	assert (esc.measure_column(lead), esc.assignee_field(lead)) == ("contact_date", "lead_owner")
	assert esc.assignee_field(rule(document_type="Lead")) == esc.ASSIGNMENTS
	assert esc.measure_column(rule(document_type="Lead", measure_from="Creation")) == "creation"
	assert esc.measure_column(rule(measure_from="Last Change")) == "modified"
	assert esc.open_filters("Sales Order", submittable=True) == [["docstatus", "<", 2]]
	assert esc.open_filters("Lead") == []


def test_a_rule_that_cannot_work_is_refused_naming_the_field():
	refused("Levels must be", levels=0)
	refused("Levels must be", levels=11)
	refused("Levels must be", levels=1.5)
	refused("Every Hours", levels=3, every_hours=0)
	refused("Overdue Hours must be 0 or more", overdue_hours=-1)
	refused("Overdue Hours must be a number", overdue_hours="soon")
	refused("Warn Hours Before", warn_hours_before=-2)
	refused("Action", action="Shout")
	refused("Measure From", measure_from="Whenever")
	refused("Due Time Field is required", document_type="Lead")
	refused("not a date", document_type="Lead", due_field="lead_name")
	refused("Assignee Field: status", document_type="Lead", due_field="ends_on", assignee_field="status")
	refused("restricted", document_type="Lead", measure_from="Creation", filters='[["secret", "=", "x"]]')
	refused("no such field", filters='[["nothing", "=", "x"]]')


def test_a_good_rule_returns_its_filters():
	filters = esc.validate_rule(
		rule(
			document_type="Lead",
			due_field="ends_on",
			assignee_field="lead_owner",
			filters='{"status": "Open"}',
		),
		LEAD_FIELDS,
		{"lead_owner"},
	)
	assert filters == [["status", "=", "Open"]]
	# one level needs no interval; Creation needs no due-time field; assignments and the owner are fine
	esc.validate_rule(rule(levels=1, every_hours=None), LEAD_FIELDS)
	esc.validate_rule(
		rule(document_type="Lead", measure_from="Creation", assignee_field="owner"), LEAD_FIELDS
	)


# -- when -----------------------------------------------------------------------------------------------
def test_a_date_is_due_at_the_end_of_its_day_and_a_datetime_at_its_moment():
	assert esc.moment_of(dt.date(2026, 11, 18), "Date") == dt.datetime(2026, 11, 19, 0, 0)
	assert esc.moment_of("2026-11-18", "Date") == dt.datetime(2026, 11, 19, 0, 0)
	assert esc.moment_of(dt.datetime(2026, 11, 18, 17, 0, 0, 123), "Datetime") == dt.datetime(
		2026, 11, 18, 17, 0
	)
	assert esc.moment_of("2026-11-18 17:00:00", "Datetime") == dt.datetime(2026, 11, 18, 17, 0)
	assert esc.moment_of(None) is None


def test_items_are_first_looked_at_no_later_than_their_warning_or_escalation():
	assert esc.watch_offset(24) == 24
	assert esc.watch_offset(24, 4) == 20
	assert esc.watch_offset(2, 4) == -2  # a warning before the due time
	assert esc.watch_offset(24, 4, working_hours_only=True) == 20
	# counting back through working hours may reach further than any clock bound: at once
	assert esc.watch_offset(2, 4, working_hours_only=True) is None


def working(moment, hours):
	return add_working_hours(moment, hours, dt.time(9), dt.time(17))


@pytest.mark.parametrize("offset", [0, 0.5, 3, 8, 20])
def test_the_clock_bound_never_comes_after_the_working_hours_moments(offset):
	# the first look (measured moment + clock offset) is never later than the real moments
	for start in (T, T.replace(hour=16, minute=30), dt.datetime(2026, 11, 21, 12, 0)):
		for warn in (0, 1, 2.5):
			overdue = offset + warn
			breach = esc.breach_at(start, overdue, working)
			warning = esc.warn_at(breach, warn, working) or breach
			first_look = start + dt.timedelta(hours=esc.watch_offset(overdue, warn, True))
			assert first_look <= warning <= breach


def test_levels_follow_the_breach_then_every_hours_after_the_last_escalation():
	breach = esc.breach_at(T, 4)
	assert breach == T.replace(hour=14)
	assert esc.level_due_at(0, breach, None, 8) == breach
	fired = T.replace(hour=14, minute=1)
	assert esc.level_due_at(1, breach, fired, 8) == T.replace(hour=22, minute=1)
	# measured from the last change: a change after the escalation starts the count again
	later_breach = T.replace(day=19, hour=9)
	assert esc.level_due_at(1, later_breach, fired, 8) == later_breach
	# in working hours: 8 working hours after 14:01 is 14:01 the next day
	assert esc.level_due_at(1, breach, fired, 8, working) == dt.datetime(2026, 11, 19, 14, 1)


def test_decisions_warn_once_escalate_when_due_and_stop_after_the_last_level():
	breach, warning = T.replace(hour=14), T.replace(hour=12)
	decide = partial(esc.decide, level=0, levels=2, due_at=breach, warn=warning)
	assert decide(T) == esc.Decision(esc.WAIT, warning)
	assert decide(T.replace(hour=12)) == esc.Decision(esc.WARN)
	assert decide(T.replace(hour=12), warned=True) == esc.Decision(esc.WAIT, breach)
	# past the deadline, no late warning: the escalation itself
	assert decide(T.replace(hour=15)) == esc.Decision(esc.ESCALATE)
	assert esc.decide(T, level=1, levels=2, due_at=T.replace(hour=22), warn=warning) == esc.Decision(
		esc.WAIT, T.replace(hour=22)
	)
	assert esc.decide(T, level=2, levels=2, due_at=T) == esc.Decision(esc.DONE)
	assert esc.warn_at(breach, 0) is None
	assert esc.warn_at(breach, 2) == warning


# -- who ------------------------------------------------------------------------------------------------
MANAGERS = {"seller": "lead", "lead": "head", "head": None, "loop.a": "loop.b", "loop.b": "loop.a"}


def up(user):
	return MANAGERS.get(user)


def test_up_is_the_manager_then_the_managers_manager_then_the_fallback():
	assert esc.next_target("seller", ["seller"], up, "boss") == "lead"
	assert esc.next_target("lead", ["seller", "lead"], up, "boss") == "head"
	assert esc.next_target("head", ["seller", "lead", "head"], up, "boss") == "boss"
	assert esc.next_target("boss", ["seller", "lead", "head", "boss"], up, "boss") is None
	assert esc.next_target("head", ["head"], up, None) is None


def test_a_user_without_a_manager_or_an_item_without_an_assignee_goes_to_the_fallback():
	assert esc.next_target("newcomer", ["newcomer"], up, "boss") == "boss"
	assert esc.next_target(None, [], up, "boss") == "boss"


def test_nobody_gets_an_item_twice_and_loops_in_reports_to_end():
	# the manager already had it (the assignee's manager was given it before): one further up
	assert esc.next_target("seller", ["seller", "lead"], up, "boss") == "head"
	assert esc.next_target("loop.a", ["loop.a", "loop.b"], up, "boss") == "boss"
	assert esc.next_target("loop.a", ["loop.a", "loop.b", "boss"], up, "boss") is None


def test_assignees_are_one_user_or_the_assignments_list():
	assert esc.assignees("a@x.com") == ["a@x.com"]
	assert esc.assignees('["a@x.com", "b@x.com"]') == ["a@x.com", "b@x.com"]
	assert esc.assignees("[broken") == []
	assert esc.assignees(None) == []


def test_hours_read_as_people_write_them():
	assert esc.hours_label(26) == "26"
	assert esc.hours_label(1.5) == "1.5"
	assert esc.hours_label(0.333333) == "0.33"
