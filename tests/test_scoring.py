import datetime as dt

import pytest

from sales_accelerator.engine import EngineError
from sales_accelerator.engine import scoring as sc

NOW = dt.datetime(2026, 11, 18, 10, 0)
LEAD_FIELDS = {"source": "Select", "city": "Data", "email_id": "Data", "sa_score": "Int", "secret": "Data"}


def criterion(name, kind=sc.FIELD_VALUE, points=10, **values):
	return {"name": name, "criterion": kind, "points": points, "filters": [], "condition": None, **values}


def rule(*criteria, **values):
	return {"name": "Lead score", "score_field": "sa_score", "criteria": list(criteria), **values}


def holding(*names):
	return lambda row: row["name"] in names


def rows(rule_, holds, events=None, stored=None, now=NOW, changed_at=NOW, read=None):
	stored = {sc.key_of(row): row for row in stored or []}
	return sc.rule_rows(rule_, holds, events or {}, stored, changed_at, now, read)


def by_criterion(made):
	return {row["criterion"]: row for row in made}


# -- what a record gets -------------------------------------------------------------------------------
def test_a_field_value_counts_while_it_holds_since_it_began_to():
	campaign = rule(criterion("campaign", points=30, filters=[["source", "=", "Campaign"]]))
	made = rows(campaign, holding("campaign"))
	assert [(r["criterion"], r["points"], r["since"], r["label"]) for r in made] == [
		("Field Value", 30, NOW, "source = Campaign")
	]
	later = rows(campaign, holding("campaign"), stored=made, now=NOW + dt.timedelta(days=3), changed_at=NOW)
	assert later[0]["since"] == NOW, "it keeps the moment it began to hold"
	assert rows(campaign, holding()) == []


def test_events_count_each_time_up_to_max_times():
	replies = rule(criterion("reply", sc.EMAIL_REPLIED, 20, max_times=2))
	moments = [NOW - dt.timedelta(days=d) for d in (1, 9, 4)]
	(made,) = rows(replies, holding("reply"), {sc.EMAIL_REPLIED: moments})
	assert (made["points"], made["times"]) == (40, 2)
	assert made["since"] == NOW - dt.timedelta(days=9), "since the first"
	assert made["last_at"] == NOW - dt.timedelta(days=1), "the latest reply, even beyond Max Times"
	unlimited = rule(criterion("reply", sc.EMAIL_REPLIED, 20, max_times=0))
	assert rows(unlimited, holding("reply"), {sc.EMAIL_REPLIED: moments})[0]["points"] == 60
	assert rows(replies, holding("reply"), {}) == [], "nothing happened"
	assert rows(replies, holding(), {sc.EMAIL_REPLIED: moments}) == [], "its filters narrow the records"


def test_a_save_keeps_the_stored_events_it_did_not_read():
	both = rule(criterion("campaign"), criterion("reply", sc.EMAIL_REPLIED, 20))
	stored = rows(both, holding("campaign", "reply"), {sc.EMAIL_REPLIED: [NOW]})
	kept = rows(both, holding("reply"), stored=stored, read=set())
	assert [(r["criterion"], r["points"]) for r in kept] == [(sc.EMAIL_REPLIED, 20)]
	assert rows(both, holding("campaign"), stored=stored, read=set()) == [
		r for r in stored if r["criterion"] == sc.FIELD_VALUE
	], "no longer for this record"


def test_decay_fades_the_rules_gains_from_the_latest_interest_but_not_into_a_penalty():
	decaying = rule(
		criterion("campaign", points=30),
		criterion("reply", sc.EMAIL_REPLIED, 20),
		criterion("overdue", sc.INVOICE_OVERDUE, -15),
		decay_points=5,
		decay_every_days=7,
	)
	reply = NOW - dt.timedelta(days=20)
	events = {sc.EMAIL_REPLIED: [reply], sc.INVOICE_OVERDUE: [NOW - dt.timedelta(days=1)]}
	made = by_criterion(rows(decaying, holding("campaign", "reply", "overdue"), events, changed_at=reply))
	assert (made[sc.DECAY]["points"], made[sc.DECAY]["times"]) == (-10, 2)
	assert made[sc.DECAY]["since"] == reply + dt.timedelta(days=7)
	assert sc.total(made.values(), "sa_score") == 30 + 20 - 15 - 10
	long_after = by_criterion(
		rows(
			decaying,
			holding("campaign", "reply", "overdue"),
			events,
			changed_at=reply,
			now=NOW + dt.timedelta(days=365),
		)
	)
	assert long_after[sc.DECAY]["points"] == -50, "no more than the gains"
	assert sc.total(long_after.values(), "sa_score") == -15
	fresh = rows(decaying, holding("campaign"), changed_at=NOW - dt.timedelta(days=6))
	assert sc.DECAY not in by_criterion(fresh)


@pytest.mark.parametrize(
	"minimum,maximum,points,expected,row",
	[
		("0", "60", 90, 60, sc.MAXIMUM),
		("0", "60", -20, 0, sc.MINIMUM),
		("0", "", 45, 45, None),
		(None, "100", -20, -20, None),
		("-10", None, -20, -10, sc.MINIMUM),
	],
)
def test_the_rules_limits_clamp_what_it_gives(minimum, maximum, points, expected, row):
	limited = rule(criterion("fit", points=points), minimum_score=minimum, maximum_score=maximum)
	made = rows(limited, holding("fit"))
	assert sc.total(made, "sa_score") == expected
	assert (made[-1]["criterion"] if len(made) > 1 else None) == row


def test_an_automation_rules_change_adds_up():
	first = sc.adjustment("sa_score", "Bonus", None, 5, NOW)
	second = sc.adjustment("sa_score", "Bonus", first, -2, NOW + dt.timedelta(hours=1))
	assert (second["points"], second["times"], second["since"]) == (3, 2, NOW)
	assert (second["rule_type"], second["criterion"]) == (sc.AUTOMATION_RULE, sc.CHANGE_SCORE)


# -- what is written ----------------------------------------------------------------------------------
def test_the_plan_writes_only_what_changed_and_keeps_automation_changes():
	scoring = rule(criterion("campaign", points=30), criterion("reply", sc.EMAIL_REPLIED, 20))
	stored = rows(scoring, holding("campaign", "reply"), {sc.EMAIL_REPLIED: [NOW]})
	bonus = sc.adjustment("sa_score", "Bonus", None, 5, NOW)
	stored.append(bonus)
	same = sc.plan(
		stored, rows(scoring, holding("campaign", "reply"), {sc.EMAIL_REPLIED: [NOW]}, stored), ["sa_score"]
	)
	assert (same["delete"], same["insert"], same["scores"]) == ([], [], {"sa_score": 55})

	two = {sc.EMAIL_REPLIED: [NOW, NOW + dt.timedelta(hours=2)]}
	replied = sc.plan(stored, rows(scoring, holding("campaign", "reply"), two, stored), ["sa_score"])
	assert [row["criterion"] for row in replied["insert"]] == [sc.EMAIL_REPLIED]
	assert [sc.key_of(row) for row in replied["delete"]] == [sc.key_of(replied["insert"][0])]
	assert replied["scores"] == {"sa_score": 75}

	gone = sc.plan(stored, [], ["sa_score"])
	assert len(gone["delete"]) == 2 and gone["scores"] == {"sa_score": 5}, "the rule is disabled"
	again = sc.plan(stored, [sc.adjustment("sa_score", "Bonus", bonus, 5, NOW)], [])
	assert again["scores"] == {"sa_score": 10}, "a new version replaces the stored change"


def test_datetimes_compare_to_the_second():
	assert sc.seconds(dt.datetime(2026, 1, 1, 9, 0, 0, 123456)) == dt.datetime(2026, 1, 1, 9, 0)
	assert sc.seconds(dt.date(2026, 1, 1)) == dt.datetime(2026, 1, 1)
	stored = [{**sc.adjustment("f", "R", None, 1, NOW), "since": NOW.replace(microsecond=900)}]
	assert sc.plan(stored, [sc.adjustment("f", "R", None, 1, NOW)], [])["insert"] == []


def test_the_breakdown_lists_each_rules_criteria_in_order_then_decay_clamp_and_automation():
	scoring = rule(
		criterion("b", points=10),
		criterion("a", points=90),
		maximum_score="50",
		decay_points=1,
		decay_every_days=1,
	)
	made = rows(scoring, holding("a", "b"), changed_at=NOW - dt.timedelta(days=2))
	made.append(sc.adjustment("sa_score", "Bonus", None, 5, NOW))
	listed = sc.breakdown(list(reversed(made)), {"b": 1, "a": 2})
	assert [(c["criterion"], c["points"]) for c in listed] == [
		(sc.FIELD_VALUE, 10),
		(sc.FIELD_VALUE, 90),
		(sc.DECAY, -2),
		(sc.MAXIMUM, -48),
		(sc.CHANGE_SCORE, 5),
	]
	assert set(listed[0]) >= {"rule", "criterion", "points", "since"}


# -- rules --------------------------------------------------------------------------------------------
def valid(**values):
	return {"criteria": [criterion("c", filters='[["source", "=", "Campaign"]]', idx=1)], **values}


@pytest.mark.parametrize(
	"values,message",
	[
		({"criteria": []}, "at least one criterion"),
		({"criteria": [criterion("c", "Tweet", idx=1)]}, "#1: Tweet is not one of"),
		({"criteria": [criterion("c", idx=1)]}, r"#1 \(Field Value\): give filters or a condition"),
		({"criteria": [criterion("c", points=0, condition="doc.city", idx=1)]}, "Points are required"),
		({"criteria": [criterion("c", sc.QUOTATION_SUBMITTED, -5, idx=1)]}, "must be positive"),
		({"criteria": [criterion("c", sc.INVOICE_OVERDUE, 5, idx=1)]}, "must be negative"),
		(
			{"criteria": [criterion("c", sc.EMAIL_OPENED, max_times=-1, idx=1)]},
			"Max Times cannot be negative",
		),
		({"criteria": [criterion("c", filters='[["colour", "=", "red"]]', idx=1)]}, "no such field"),
		({"criteria": [criterion("c", filters="[[", idx=1)]}, "not valid JSON"),
		({"criteria": [criterion("c", filters='[["secret", "=", "x"]]', idx=1)]}, "restricted field"),
		({"decay_points": -5}, "cannot be negative"),
		({"decay_points": 5, "decay_every_days": 0}, "Decay Every"),
		({"minimum_score": "ten"}, "Minimum Score must be a whole number"),
		({"maximum_score": "1.5"}, "Maximum Score must be a whole number"),
		({"minimum_score": "10", "maximum_score": "5"}, "Minimum Score 10 is above Maximum Score 5"),
	],
)
def test_a_rule_that_cannot_work_is_refused_naming_the_row(values, message):
	with pytest.raises(EngineError, match=message):
		sc.validate_rule(valid(**values), LEAD_FIELDS, {"secret": 1})


def test_a_working_rule_returns_each_criterions_filters():
	parsed = sc.validate_rule(
		valid(
			criteria=[
				criterion("c", filters='{"source": "Campaign"}', idx=1),
				criterion("r", sc.EMAIL_REPLIED, 20, idx=2),
				criterion("d", condition="doc.city", points=-5, idx=3),
			],
			minimum_score="0",
			maximum_score="",
		),
		LEAD_FIELDS,
	)
	assert parsed == [[["source", "=", "Campaign"]], [], []]


@pytest.mark.parametrize(
	"field,fieldtype,permlevel,refused",
	[
		("sa_score", "Int", 0, None),
		("lead_name", "Data", 0, "not a whole-number"),
		("sa_score", "Int", 1, "restricted"),
		("nothing", None, 0, "no field"),
	],
)
def test_a_score_is_kept_in_a_whole_number_field_of_level_0(field, fieldtype, permlevel, refused):
	refusal = sc.score_field_refusal(field, fieldtype, permlevel)
	assert (refused in refusal) if refused else refusal is None


def test_rules_have_a_fingerprint_that_changes_with_them():
	one = [rule(criterion("c", points=10))]
	assert sc.rules_version(one) == sc.rules_version([rule(criterion("c", points=10))])
	assert sc.rules_version(one) != sc.rules_version([rule(criterion("c", points=11))])


@pytest.mark.parametrize(
	"condition,fields",
	[
		("doc.annual_revenue > 1000000", {"annual_revenue"}),
		('doc.get("city") == "Jakarta" and doc["source"]', {"city", "source"}),
		("doc.city.lower() == 'jakarta'", {"city"}),
		("not doc.email_id", {"email_id"}),
		("len(doc) > 3", None),
		("doc.get(field)", None),
		("doc.items()", None),
		("doc[key]", None),
		("doc.get('", None),
	],
)
def test_a_criterion_knows_the_fields_its_condition_reads(condition, fields):
	assert sc.condition_fields(condition) == fields


def test_a_criterion_reads_its_filters_and_its_conditions_fields():
	row = criterion("c", filters=[["source", "=", "Campaign"]], condition="doc.city")
	assert sc.fields_read(row) == {"source", "city"}
	assert sc.fields_read(criterion("c", filters=[["source", "=", "Campaign"]], condition="f(doc)")) is None
	assert sc.fields_read(criterion("c", sc.EMAIL_REPLIED)) == frozenset()
