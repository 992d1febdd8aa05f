import datetime as dt

import pytest

from sales_accelerator.engine import EngineError
from sales_accelerator.engine import automation as auto

LEAD_FIELDS = {
	"lead_name": "Data",
	"status": "Select",
	"email_id": "Data",
	"lead_owner": "Link",
	"territory": "Link",
	"notes": "Table",
	"sa_score": "Int",
	"contact_date": "Datetime",
	"ends_on": "Date",
}


def rule(name, trigger, priority=0, stop=False, **values):
	return {"name": name, "trigger": trigger, "priority": priority, "stop_further_rules": stop, **values}


def everything(_rule):
	return True


# -- which rules run --------------------------------------------------------------------------------
def test_events_fire_their_triggers():
	assert auto.triggers_for("on_update", is_new=True) == (auto.ON_CREATE,)
	assert auto.triggers_for("on_update", is_new=False) == (auto.ON_UPDATE, auto.ON_FIELD_CHANGE)
	assert auto.triggers_for("on_update_after_submit", is_new=False) == (auto.ON_UPDATE, auto.ON_FIELD_CHANGE)
	assert auto.triggers_for("on_submit", is_new=False) == (auto.ON_SUBMIT,)
	assert auto.triggers_for("on_cancel", is_new=False) == (auto.ON_CANCEL,)
	assert auto.triggers_for("validate", is_new=False) == ()


def test_rules_run_by_priority_then_name():
	rules = [rule("b", auto.ON_UPDATE, 1), rule("a", auto.ON_UPDATE, 1), rule("c", auto.ON_UPDATE, 5)]
	chosen = auto.select_rules(rules, [auto.ON_UPDATE], {}, {}, everything)
	assert [r["name"] for r in chosen] == ["c", "a", "b"]


def test_stop_further_rules_stops_only_when_its_rule_matches():
	rules = [
		rule("first", auto.ON_UPDATE, 9, stop=True, skip=True),
		rule("second", auto.ON_UPDATE, 5, stop=True),
		rule("third", auto.ON_UPDATE, 1),
	]
	chosen = auto.select_rules(rules, [auto.ON_UPDATE], {}, {}, lambda r: not r.get("skip"))
	assert [r["name"] for r in chosen] == ["second"]


def test_other_triggers_and_failed_conditions_do_not_run():
	rules = [rule("create", auto.ON_CREATE), rule("cond", auto.ON_UPDATE, cond=False)]
	chosen = auto.select_rules(rules, [auto.ON_UPDATE], {}, {}, lambda r: r.get("cond", True))
	assert chosen == []


def test_a_plan_offers_only_the_rules_that_may_apply_in_their_order():
	rules = [
		rule("territory west", auto.ON_UPDATE, 1, filters=[["territory", "=", "West"]]),
		rule("territory east", auto.ON_UPDATE, 2, filters=[["territory", "=", "East"]]),
		rule("score ten", auto.ON_UPDATE, 3, filters=[["sa_score", "=", 10]]),  # not a text field
		rule("any update", auto.ON_UPDATE, 0, condition="doc.x"),
		rule("status moved", auto.ON_FIELD_CHANGE, 5, field_name="status"),
		rule("email moved", auto.ON_FIELD_CHANGE, 4, field_name="email_id"),
		rule("created", auto.ON_CREATE, 9),
	]
	plan = auto.plan_rules(rules, ["territory", "status", "email_id"])
	before = {"territory": "East", "status": "Open", "email_id": "a@example.com", "sa_score": 10}
	after = {**before, "status": "Replied"}
	names = [r["name"] for r in auto.candidates(plan, [auto.ON_UPDATE, auto.ON_FIELD_CHANGE], before, after)]
	assert names == ["status moved", "score ten", "territory east", "any update"]
	assert [r["name"] for r in auto.candidates(plan, [auto.ON_CREATE], None, after)] == ["created"]
	assert [r["name"] for r in plan][:2] == ["created", "status moved"], "iterating gives all, in order"


@pytest.mark.parametrize(
	"filters,value,expected",
	[
		([["territory", "=", "West"]], "West", True),
		([["territory", "=", "West"]], "west", False),
		([["territory", "=", "5"]], 5, True),  # as Frappe compares a text field: cstr on both sides
		([["territory", "=", ""]], None, True),
		([["territory", "!=", "West"]], "East", True),  # not an "=": always looked at
		([["territory", "=", ["West"]]], "East", True),  # a value that is no text: always looked at
	],
)
def test_a_plan_never_hides_a_rule_whose_equal_filter_holds(filters, value, expected):
	plan = auto.plan_rules([rule("r", auto.ON_UPDATE, filters=filters)], ["territory"])
	found = auto.candidates(plan, [auto.ON_UPDATE], {}, {"territory": value})
	assert bool(found) is expected


def test_select_rules_from_a_plan_or_a_list_choose_the_same():
	rules = [
		rule(f"r{i}", auto.ON_UPDATE, i % 3, filters=[["territory", "=", f"T{i % 4}"]]) for i in range(20)
	]
	after = {"territory": "T2"}
	plan = auto.plan_rules(rules, ["territory"])
	holds = lambda r: r["filters"][0][2] == after["territory"]  # noqa: E731
	assert auto.select_rules(plan, [auto.ON_UPDATE], {}, after, holds) == auto.select_rules(
		rules, [auto.ON_UPDATE], {}, after, holds
	)
	assert len(auto.select_rules(plan, [auto.ON_UPDATE], {}, after, holds)) == 5


def test_conditions_read_a_record_they_cannot_change():
	record = auto.ReadOnlyRecord({"status": "Open", "sa_score": 5})
	assert (record.status, record["sa_score"], record.get("missing"), record.missing) == (
		"Open",
		5,
		None,
		None,
	)
	assert "status" in record and len(record) == 2 and dict(record) == {"status": "Open", "sa_score": 5}
	for change in (
		lambda: setattr(record, "status", "Lost"),
		lambda: record.__setitem__("status", "Lost"),
		lambda: delattr(record, "status"),
	):
		with pytest.raises((TypeError, AttributeError)):
			change()
	assert record.update is None and record.status == "Open"  # no method changes it: doc.update(...) fails


@pytest.mark.parametrize(
	"from_value,to_value,before,after,expected",
	[
		(None, None, "Prospecting", "Proposal/Price Quote", True),
		(None, "Proposal/Price Quote", "Prospecting", "Proposal/Price Quote", True),
		(None, "Proposal/Price Quote", "Prospecting", "Negotiation/Review", False),
		("Prospecting", "Proposal/Price Quote", "Qualification", "Proposal/Price Quote", False),
		("Prospecting", None, "Prospecting", "Qualification", True),
		(None, None, "Same", "Same", False),
	],
)
def test_field_change_from_and_to(from_value, to_value, before, after, expected):
	stage = rule(
		"stage", auto.ON_FIELD_CHANGE, field_name="sales_stage", from_value=from_value, to_value=to_value
	)
	chosen = auto.select_rules(
		[stage], [auto.ON_FIELD_CHANGE], {"sales_stage": before}, {"sales_stage": after}, everything
	)
	assert bool(chosen) is expected


def test_field_change_compares_values_as_read():
	stage = rule("prob", auto.ON_FIELD_CHANGE, field_name="probability", to_value="50")
	assert auto.field_changed(stage, {"probability": 20.0}, {"probability": 50.0})
	assert not auto.field_changed(stage, {"probability": 50}, {"probability": "50.0"})
	assert not auto.field_changed(stage, None, {"probability": 50}), "a new record has no change"


@pytest.mark.parametrize(
	"from_value,to_value,before,after,expected",
	[
		("< 50", ">= 50", 30, 60, True),
		("< 50", ">= 50", 49, 50, True),
		("< 50", ">= 50", 60, 90, False),  # already above: crossed once, not on every change
		("< 50", ">= 50", 60, 40, False),
		(None, ">= 50", 60, 90, False),  # "to" means it came to be so
		(None, ">= 50", 0, 50, True),
		(None, ">= 50", None, 75, True),  # an empty number is 0
		(">50", "<=50", 51, 50, True),
		(None, "< 0", 5, -5, True),
	],
)
def test_field_change_thresholds_fire_when_crossed(from_value, to_value, before, after, expected):
	score = rule("hot", auto.ON_FIELD_CHANGE, field_name="sa_score", from_value=from_value, to_value=to_value)
	assert auto.field_changed(score, {"sa_score": before}, {"sa_score": after}) is expected


@pytest.mark.parametrize(
	"values,message",
	[
		(
			{"field_name": "sa_score", "to_value": ">= lots"},
			"To Value: >= lots is a threshold without a number",
		),
		(
			{"field_name": "status", "from_value": "< 50"},
			"From Value: < 50 is a threshold; status is not a number",
		),
	],
)
def test_thresholds_need_a_number_on_a_number_field(values, message):
	with pytest.raises(EngineError, match=message):
		auto.validate_rule(valid(auto.ON_FIELD_CHANGE, **values), LEAD_FIELDS, submittable=False)


def test_a_threshold_rule_is_accepted():
	auto.validate_rule(
		valid(auto.ON_FIELD_CHANGE, field_name="sa_score", from_value="< 50", to_value=">= 50"),
		LEAD_FIELDS,
		submittable=False,
	)


def test_loop_guard_refuses_the_same_rule_on_the_same_record_and_deep_chains():
	stack = [("A", "Lead", "L1")]
	assert auto.loop_refusal(stack, "A", "Lead", "L1") == "loop"
	assert auto.loop_refusal(stack, "A", "Lead", "L2") is None
	assert auto.loop_refusal(stack, "B", "Lead", "L1") is None
	deep = [("A", "Lead", "L1"), ("B", "Lead", "L1"), ("C", "Lead", "L1")]
	assert auto.loop_refusal(deep, "D", "Lead", "L1") == "depth"


# -- validation -------------------------------------------------------------------------------------
def test_filters_accept_frappe_syntax():
	assert auto.parse_filters('[["Lead", "status", "=", "Open"]]', LEAD_FIELDS) == [["status", "=", "Open"]]
	assert auto.parse_filters({"status": "Open", "territory": ["in", ["A"]]}, LEAD_FIELDS) == [
		["status", "=", "Open"],
		["territory", "in", ["A"]],
	]
	assert auto.parse_filters("", LEAD_FIELDS) == []


@pytest.mark.parametrize(
	"filters,message",
	[
		("[[", "not valid JSON"),
		('[["status", "equals", "Open"]]', "not an operator"),
		('[["colour", "=", "red"]]', "no such field"),
		('[["status"]]', r"must be \[field, operator, value\]"),
		('"Open"', "must be a list or an object"),
	],
)
def test_bad_filters_are_refused_with_the_field(filters, message):
	with pytest.raises(EngineError, match=message):
		auto.parse_filters(filters, LEAD_FIELDS)


def valid(trigger=auto.ON_CREATE, actions=None, **values):
	return {
		"trigger": trigger,
		"actions": actions
		if actions is not None
		else [{"idx": 1, "action_type": "Create Task", "subject": "Call"}],
		**values,
	}


@pytest.mark.parametrize(
	"values,message",
	[
		({"trigger": "Whenever"}, "Trigger Whenever is not one of"),
		({"trigger": auto.ON_FIELD_CHANGE}, "Field is required"),
		({"trigger": auto.ON_FIELD_CHANGE, "field_name": "colour"}, "no field colour"),
		({"trigger": auto.ON_SUBMIT}, "cannot be submitted"),
		({"trigger": auto.SCHEDULED}, "Frequency is required"),
		({"trigger": auto.SCHEDULED, "frequency": "Once"}, "Run At is required"),
		({"trigger": auto.SCHEDULED, "frequency": "Weekly"}, "Day of Week is required"),
		({"trigger": auto.SCHEDULED, "frequency": "Monthly", "day_of_month": 32}, "between 1 and 31"),
		({"trigger": auto.DAYS_AFTER, "date_field": "lead_name", "days": 2}, "not a date field"),
		({"trigger": auto.DAYS_BEFORE, "date_field": "ends_on"}, "Days must be 0 or more"),
		({"trigger": auto.INACTIVE, "days": 0}, "Days must be 1 or more"),
		({"actions": []}, "at least one action"),
	],
)
def test_rules_that_cannot_work_are_refused(values, message):
	with pytest.raises(EngineError, match=message):
		auto.validate_rule(valid(**values), LEAD_FIELDS, submittable=False)


@pytest.mark.parametrize(
	"action,message",
	[
		({"action_type": "Dance"}, "#3: Dance is not an action type"),
		({"action_type": "Create Task"}, r"#3 \(Create Task\): Subject is required"),
		({"action_type": "Update Field", "field_to_set": "colour"}, "no field colour"),
		({"action_type": "Update Field", "field_to_set": "notes"}, "cannot be set by a rule"),
		({"action_type": "Change Score", "field_to_set": "status", "value": "+5"}, "not a number field"),
		(
			{"action_type": "Change Score", "field_to_set": "sa_score", "value": "lots"},
			"lots is not a number",
		),
		({"action_type": "Notify"}, "choose who receives it"),
		({"action_type": "Send Email", "recipient": auto.RECORD_OWNER}, "Email Template is required"),
		({"action_type": "Notify", "recipient_field": "boss"}, "no field boss"),
		({"action_type": "Webhook", "webhook_url": "ftp://example.com/x"}, "not an http or https address"),
		(
			{"action_type": "Webhook", "webhook_url": "https://example.com", "webhook_body": "{oops"},
			"body is not valid JSON",
		),
		({"action_type": "Assign"}, "choose Assign To or an Assignment Rule"),
		({"action_type": "Connect Sequence"}, "Sequence is required"),
		({"action_type": "Create Task", "subject": "x", "due_in_days": -1}, "cannot be negative"),
	],
)
def test_actions_that_cannot_work_are_refused_naming_the_row(action, message):
	with pytest.raises(EngineError, match=message):
		auto.validate_rule(valid(actions=[{"idx": 3, **action}]), LEAD_FIELDS, submittable=False)


def test_a_working_rule_is_accepted_and_returns_its_filters():
	filters = auto.validate_rule(
		valid(
			trigger=auto.DAYS_AFTER,
			date_field="ends_on",
			days=3,
			filters='{"status": "Open"}',
			actions=[
				{"idx": 1, "action_type": "Update Field", "field_to_set": "status", "value": "Contacted"},
				{"idx": 2, "action_type": "Notify", "recipient": auto.OWNERS_MANAGER},
				{
					"idx": 3,
					"action_type": "Webhook",
					"webhook_url": "https://x.example",
					"webhook_body": "{{ doc.name }}",
				},
			],
		),
		LEAD_FIELDS,
		submittable=False,
	)
	assert filters == [["status", "=", "Open"]]


def test_score_changes():
	assert auto.score_change(10, "+5") == 15
	assert auto.score_change(10, "-15") == -5
	assert auto.score_change(10, "=50") == 50
	assert auto.score_change(None, "2.5") == 2.5


def test_assignee_from_a_field_or_a_user():
	users = {"a@x.com", "b@x.com"}
	doc = {"lead_owner": "a@x.com", "owner": "b@x.com", "territory": "North"}
	assert auto.assignee_from("lead_owner", doc, users.__contains__) == "a@x.com"
	assert auto.assignee_from("owner", doc, users.__contains__) == "b@x.com"
	assert auto.assignee_from("b@x.com", doc, users.__contains__) == "b@x.com"
	assert auto.assignee_from("territory", doc, users.__contains__) is None
	assert auto.assignee_from("nobody@x.com", doc, users.__contains__) is None
	assert auto.due_on(dt.date(2026, 11, 30), 3) == dt.date(2026, 12, 3)


# -- schedules --------------------------------------------------------------------------------------
NOW = dt.datetime(2026, 11, 23, 10, 30)  # Monday


@pytest.mark.parametrize(
	"values,expected",
	[
		({"frequency": "Hourly", "time_of_day": "00:15:00"}, dt.datetime(2026, 11, 23, 11, 15)),
		({"frequency": "Hourly", "time_of_day": "00:45:00"}, dt.datetime(2026, 11, 23, 10, 45)),
		({"frequency": "Daily", "time_of_day": "09:00:00"}, dt.datetime(2026, 11, 24, 9, 0)),
		({"frequency": "Daily", "time_of_day": dt.timedelta(hours=11)}, dt.datetime(2026, 11, 23, 11, 0)),
		(
			{"frequency": "Weekly", "day_of_week": "Monday", "time_of_day": "08:00"},
			dt.datetime(2026, 11, 30, 8),
		),
		(
			{"frequency": "Weekly", "day_of_week": "Friday", "time_of_day": "08:00"},
			dt.datetime(2026, 11, 27, 8),
		),
		({"frequency": "Monthly", "day_of_month": 31, "time_of_day": "07:00"}, dt.datetime(2026, 11, 30, 7)),
		({"frequency": "Monthly", "day_of_month": 5, "time_of_day": "07:00"}, dt.datetime(2026, 12, 5, 7)),
		({"frequency": "Once", "run_at": dt.datetime(2026, 12, 1, 12)}, dt.datetime(2026, 12, 1, 12)),
		({"frequency": "Once", "run_at": dt.datetime(2026, 11, 1, 12)}, None),
	],
)
def test_next_run_of_a_schedule(values, expected):
	assert auto.next_run({"trigger": auto.SCHEDULED, **values}, NOW) == expected


def test_date_rules_run_daily_at_their_time():
	assert auto.next_run({"trigger": auto.DAYS_AFTER, "time_of_day": "06:00"}, NOW) == dt.datetime(
		2026, 11, 24, 6
	)
	assert auto.next_run({"trigger": auto.INACTIVE}, NOW) == dt.datetime(2026, 11, 24, 9)


def test_days_after_and_before_windows_catch_up_without_repeating():
	today = NOW.date()
	assert auto.date_window(auto.DAYS_AFTER, 3, None, NOW) == (
		today - dt.timedelta(3),
		today - dt.timedelta(3),
	)
	assert auto.date_window(auto.DAYS_BEFORE, 7, None, NOW) == (
		today + dt.timedelta(7),
		today + dt.timedelta(7),
	)
	# the scheduler was down for two days: the missed days are acted on, yesterday's run is not redone
	last = NOW - dt.timedelta(days=3)
	assert auto.date_window(auto.DAYS_AFTER, 3, last, NOW) == (
		today - dt.timedelta(5),
		today - dt.timedelta(3),
	)
	# a second run the same day acts on nothing new
	start, end = auto.date_window(auto.DAYS_AFTER, 0, NOW - dt.timedelta(hours=1), NOW)
	assert (start, end) == (today, today)


def test_inactivity_window_follows_the_last_run():
	since, until = auto.date_window(auto.INACTIVE, 14, NOW - dt.timedelta(days=1), NOW)
	assert until == NOW - dt.timedelta(days=14)
	assert since == NOW - dt.timedelta(days=15)


# -- webhooks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
	"address",
	[
		"127.0.0.1",
		"10.1.2.3",
		"192.168.0.5",
		"172.16.9.9",
		"169.254.169.254",
		"::1",
		"fe80::1",
		"0.0.0.0",
		"::ffff:127.0.0.1",
	],
)
def test_webhooks_refuse_private_loopback_and_link_local(address):
	reason = auto.address_refusal("hooks.example", [address], [])
	assert reason and "private, loopback, link-local or otherwise non-public" in reason


def test_webhooks_allow_public_addresses_and_the_admins_allow_list():
	assert auto.address_refusal("hooks.example", ["93.184.216.34"], []) is None
	assert auto.address_refusal("crm.internal", ["10.1.2.3"], ["10.0.0.0/8"]) is None
	assert auto.address_refusal("crm.internal", ["10.1.2.3"], ["crm.internal"]) is None
	assert auto.address_refusal("crm.internal", ["10.1.2.3", "127.0.0.1"], ["10.0.0.0/8"]) is not None
	assert auto.address_refusal("nowhere.example", [], []) == "nowhere.example does not resolve to an address"


def test_webhook_retries_back_off_then_give_up():
	assert [auto.retry_delay(n) for n in (1, 2, 3)] == [60, 120, None]


def test_record_owner_is_the_seller_who_looks_after_it_else_its_creator():
	assert auto.record_owner({"owner": "admin@x.com", "lead_owner": "seller@x.com"}) == "seller@x.com"
	assert auto.record_owner({"owner": "admin@x.com", "account_manager": "am@x.com"}) == "am@x.com"
	assert auto.record_owner({"owner": "admin@x.com", "lead_owner": None}) == "admin@x.com"


@pytest.mark.parametrize(
	"outcomes,status",
	[
		(["Done", "Queued", "Skipped"], "Success"),
		(["Done", "Failed"], "Partly Failed"),
		(["Failed", "Failed"], "Failed"),
		(["Done", "Waiting for Approval"], "Waiting for Approval"),
		([], "Success"),
	],
)
def test_a_runs_status_follows_its_actions(outcomes, status):
	assert auto.log_status(outcomes) == status


# -- security review (#10): what a rule may target, read and set; where a webhook may go ---------------
@pytest.mark.parametrize(
	"doctype,module,single,table",
	[
		("User", "Core", 0, 0),
		("Role", "Core", 0, 0),
		("DocType", "Core", 0, 0),
		("Server Script", "Core", 0, 0),
		("Custom Field", "Custom", 0, 0),
		("System Settings", "Core", 1, 0),
		("Workspace", "Desk", 0, 0),
		("OAuth Client", "Integrations", 0, 0),
		("Automation Rule", "Sales Accelerator", 0, 0),
		("Automation Rule Log", "Sales Accelerator", 0, 0),
		("Sequence Enrollment", "Sales Accelerator", 0, 0),
		("Sales Accelerator Settings", "Sales Accelerator", 1, 0),
		("Selling Settings", "Selling", 1, 0),
		("Lead Notes", "CRM", 0, 1),
	],
)
def test_rules_cannot_target_the_framework_or_the_automation_itself(doctype, module, single, table):
	message = auto.target_refusal(doctype, module, single, table)
	assert message and message.startswith("Document Type: {0}")


@pytest.mark.parametrize(
	"doctype,module",
	[
		("Lead", "CRM"),
		("Opportunity", "CRM"),
		("Customer", "Selling"),
		("ToDo", "Desk"),
		("Automation Approval", "Sales Accelerator"),
		("CRM Action Note", "Sales Accelerator"),
	],
)
def test_rules_may_target_the_records_sellers_work_with(doctype, module):
	assert auto.target_refusal(doctype, module) is None


SECRET_FIELDS = {**LEAD_FIELDS, "api_secret": "Password", "margin": "Currency"}
SECRET_LEVELS = {"margin": 1}


@pytest.mark.parametrize(
	"values,message",
	[
		(
			{
				"actions": [
					{"idx": 2, "action_type": "Update Field", "field_to_set": "api_secret", "value": "x"}
				]
			},
			r"#2 \(Update Field\): api_secret cannot be set",
		),
		(
			{"actions": [{"idx": 2, "action_type": "Update Field", "field_to_set": "margin", "value": "1"}]},
			r"#2 \(Update Field\): margin is a restricted field",
		),
		(
			{"actions": [{"idx": 2, "action_type": "Change Score", "field_to_set": "margin", "value": "+1"}]},
			r"#2 \(Change Score\): margin is a restricted field",
		),
		(
			{"actions": [{"idx": 1, "action_type": "Notify", "recipient_field": "api_secret"}]},
			r"#1 \(Notify\): api_secret is a password",
		),
		({"filters": '[["margin", ">", 5]]'}, "Filter on margin: a password or a restricted field"),
		({"trigger": auto.ON_FIELD_CHANGE, "field_name": "api_secret"}, "Field: api_secret is a password"),
	],
)
def test_rules_neither_read_nor_set_passwords_and_restricted_fields(values, message):
	with pytest.raises(EngineError, match=message):
		auto.validate_rule(valid(**values), SECRET_FIELDS, submittable=False, permlevels=SECRET_LEVELS)


def test_a_level_0_field_is_still_settable():
	auto.validate_rule(
		valid(actions=[{"idx": 1, "action_type": "Update Field", "field_to_set": "status", "value": "Open"}]),
		SECRET_FIELDS,
		submittable=False,
		permlevels=SECRET_LEVELS,
	)


@pytest.mark.parametrize(
	"address", ["100.64.0.1", "100.100.100.200", "198.18.0.1", "192.0.2.10", "2001:db8::1", "224.0.0.1"]
)
def test_webhooks_call_only_public_addresses(address):
	assert "non-public" in auto.address_refusal("hooks.example", [address], [], 443)


def test_webhooks_call_only_ports_80_and_443_unless_the_allow_list_names_the_port():
	public = ["93.184.216.34"]
	assert auto.address_refusal("hooks.example", public, [], 443) is None
	assert auto.address_refusal("hooks.example", public, [], 80) is None
	assert "port 8080" in auto.address_refusal("hooks.example", public, [], 8080)
	assert "port 22" in auto.address_refusal("hooks.example", public, [], 22)
	assert auto.address_refusal("hooks.example", public, ["hooks.example:8080"], 8080) is None
	assert "port 8081" in auto.address_refusal("hooks.example", public, ["hooks.example:8080"], 8081)
	assert auto.address_refusal("hooks.example", public, ["hooks.example:*"], 8081) is None
	# an allowed network: standard ports, or the one it names
	assert auto.address_refusal("crm.internal", ["10.1.2.3"], ["10.0.0.0/8"], 443) is None
	assert "port 8000" in auto.address_refusal("crm.internal", ["10.1.2.3"], ["10.0.0.0/8"], 8000)
	assert auto.address_refusal("crm.internal", ["10.1.2.3"], ["10.0.0.0/8:8000"], 8000) is None
	assert auto.address_refusal("h", ["::1"], ["[::1]:8080"], 8080) is None
	assert auto.address_refusal("h", ["127.0.0.1"], ["127.0.0.0/8:*"], 5000) is None


def test_allow_list_entries_parse():
	import ipaddress

	assert auto.allowlist_entry("# note") is None
	assert auto.allowlist_entry("  ") is None
	assert auto.allowlist_entry("Hooks.Example.") == ("hooks.example", (80, 443))
	assert auto.allowlist_entry("::1") == (ipaddress.ip_network("::1"), (80, 443))
	assert auto.allowlist_entry("10.0.0.0/8:8000") == (ipaddress.ip_network("10.0.0.0/8"), (80, 443, 8000))
	assert auto.allowlist_entry("crm:*") == ("crm", None)
	assert auto.allowlist_entry("crm:99999") is None
