"""The sums behind the reports and who sees whose work (engine/insights.py, engine/visibility.py)."""

from datetime import date, datetime

from sales_accelerator.engine import insights
from sales_accelerator.engine import visibility as v

STEPS = [
	{"step_id": "start", "label": "Start", "step_type": "Start"},
	{"step_id": "call", "label": "Intro call", "step_type": "Phone Call"},
	{"step_id": "answered", "label": "Call Answered", "step_type": "Condition"},
	{"step_id": "meeting", "label": "Demo", "step_type": "Meeting"},
	{"step_id": "email", "label": "Follow-up", "step_type": "Email"},
]


def test_rate_and_median():
	assert insights.rate(2, 7) == 28.6
	assert insights.rate(0, 3) == 0.0
	assert insights.rate(1, 0) is None
	assert insights.median_days([4 * 86400, 2 * 86400, 8 * 86400]) == 4.0
	assert insights.median_days([86400, 2 * 86400]) == 1.5
	assert insights.median_days([]) is None


def test_steps_taken_reads_the_path_and_the_current_step():
	assert insights.steps_taken("start, call, answered:no", "email") == (
		{"start", "call", "answered", "email"},
		{"answered": "no"},
	)
	assert insights.steps_taken(None, "start") == ({"start"}, {})
	assert insights.steps_taken("", None) == (set(), {})


def test_funnel_counts_reached_branches_and_drop_outs():
	rows = insights.funnel(
		STEPS,
		[
			("start, call, answered:yes", "meeting", "Completed", None),
			("start, call, answered:no", "email", "Exited", "The person replied"),
			("start", "call", "Active", None),
			("start", "call", "Disconnected", "Wrong person"),
			("start", "call", "Exited", "Lead is Converted"),
			("start, call, answered:no", "email", "Completed", None),
		],
	)
	by_step = {row["step_id"]: row for row in rows}
	assert [row["step_id"] for row in rows] == ["start", "call", "answered", "meeting", "email"]
	assert [row["reached"] for row in rows] == [6, 6, 3, 1, 2]
	assert (by_step["answered"]["yes"], by_step["answered"]["no"]) == (1, 2)
	assert (by_step["call"]["here"], by_step["call"]["dropped"]) == (1, 2)
	assert dict(by_step["call"]["reasons"]) == {"Wrong person": 1, "Lead is Converted": 1}
	assert (by_step["email"]["dropped"], dict(by_step["email"]["reasons"])) == (1, {"The person replied": 1})
	assert by_step["meeting"]["dropped"] == 0  # completing is not dropping out


def test_funnel_keeps_steps_the_sequence_no_longer_has():
	rows = insights.funnel(STEPS[:2], [("start, old_step", "call", "Failed", None)])
	assert [(row["step_id"], row["reached"]) for row in rows] == [("start", 1), ("call", 1), ("old_step", 1)]
	assert rows[-1]["removed"] and rows[1]["reasons"] == {"Failed": 1}


def test_seller_days_pivots_per_seller_per_day():
	today, yesterday = date(2026, 12, 1), date(2026, 11, 30)
	rows = insights.seller_days(
		[
			("ana", datetime(2026, 12, 1, 10), "Completed", "Phone Call", "Answered", 2),
			("ana", datetime(2026, 12, 1, 11), "Completed", "LinkedIn Message", None, 1),
			("ana", today, "Skipped", "Task", None, 1),
			("ben", yesterday, "Completed", "Phone Call", "Wrong Number", 1),
			("ben", yesterday, "Completed", "Email", None, 3),
		],
		[("ana", today, 4, 1), ("cal", yesterday, 2, 2)],
	)
	assert [(row["date"], row["seller"]) for row in rows] == [
		(today, "ana"),
		(yesterday, "ben"),
		(yesterday, "cal"),
	]
	ana, ben, cal = rows
	assert (ana["done"], ana["calls"], ana["answered"], ana["linkedin"], ana["skipped"]) == (3, 2, 2, 1, 1)
	assert (ana["open"], ana["overdue"]) == (4, 1)
	assert (ben["done"], ben["calls"], ben["wrong_number"], ben["emails"]) == (4, 1, 1, 3)
	assert (cal["open"], cal["overdue"], cal["done"]) == (2, 2, 0)


def test_profiles():
	profiles = {"Sales User": v.OWN, "Sales Manager": v.ALL, "Team Lead": v.TEAM}
	assert v.profile_for(["Sales User"], profiles) == v.OWN
	assert v.profile_for(["Sales User", "Sales Manager"], profiles) == v.ALL
	assert v.profile_for(["Sales User", "Team Lead"], profiles) == v.TEAM
	assert v.profile_for(["Accounts User"], profiles) == v.OWN  # no profile: own work
	# a user others report to sees at least their team; the managers of sequences see all
	assert v.profile_for(["Sales User"], profiles, has_team=True) == v.TEAM
	assert v.profile_for(["Sales User"], profiles, manages=True) == v.ALL


def test_scopes_narrow_never_widen():
	assert v.scopes_for(v.OWN, has_team=False) == [v.ME]
	assert v.scopes_for(v.TEAM, has_team=True) == [v.ME, v.MY_TEAM]
	assert v.scopes_for(v.ALL, has_team=False) == [v.ME, v.EVERYONE]
	assert v.scopes_for(v.ALL, has_team=True) == [v.ME, v.MY_TEAM, v.EVERYONE]
	assert v.scope_for(v.EVERYONE, v.TEAM, True) == v.MY_TEAM
	assert v.scope_for(None, v.ALL, False) == v.EVERYONE
	assert v.scope_for(v.ME, v.ALL, True) == v.ME
	assert v.scope_for("anything", v.OWN, False) == v.ME


def test_sellers_in_scope():
	assert v.sellers_in_scope(v.EVERYONE, "mia", ["ana"]) is None
	assert v.sellers_in_scope(v.MY_TEAM, "mia", ["ana", "ben", "mia"]) == ["mia", "ana", "ben"]
	assert v.sellers_in_scope(v.ME, "mia", ["ana"]) == ["mia"]
