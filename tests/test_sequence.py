import json
import random
from pathlib import Path

import pytest

from sales_accelerator.engine import EngineError, runner
from sales_accelerator.engine import sequence as seq

TEMPLATES = Path(__file__).parent.parent / "sales_accelerator" / "setup" / "data" / "sequence_templates"


def numbered(*steps):
	for idx, step in enumerate(steps, start=1):
		step["idx"] = step.get("idx") or idx
	return list(steps)


def start():
	return {"step_id": "start", "step_type": "Start", "subject": "Sequence starts here"}


def step(step_id, step_type="Task", **values):
	return {"step_id": step_id, "step_type": step_type, "subject": values.pop("subject", step_id), **values}


def cond(step_id, yes, no, condition="Email Replied", timeout_days=1, **values):
	return {
		"step_id": step_id,
		"step_type": "Condition",
		"condition": condition,
		"timeout_days": timeout_days,
		"yes_step": yes,
		"no_step": no,
		**values,
	}


def error_of(steps, **kwargs) -> str:
	with pytest.raises(EngineError) as error:
		seq.validate(steps, **kwargs)
	return str(error.value)


# -- a small branching sequence used by several tests -------------------------------------------------
def follow_up():
	return numbered(
		start(),
		step("mail", "Automated Email", email_template="Intro"),
		cond("replied", "call", "wait"),
		step("call", "Phone Call", is_end=1),
		step("wait", "Wait", wait_days=2),
		step("mail2", "Email", subject="Second try"),
		cond("replied2", "call", "give_up", timeout_days=0, timeout_hours=12),
		step("give_up", "Update Field", field_name="status", value="Do Not Contact"),
	)


def test_a_valid_branching_sequence_passes_and_is_described():
	steps = follow_up()
	seq.validate(steps)
	described = seq.describe(steps)
	# call (reached from both conditions), mail2, give_up; the automated email is the system's work
	assert described["step_count"] == 3
	assert sorted(p["minutes"] for p in described["paths"]) == [1440, 1440 + 2880 + 720, 1440 + 2880 + 720]
	assert described["max_minutes"] == 1440 + 2880 + 720
	assert [p["steps"] for p in described["paths"]] == [
		["start", "mail", "replied", "call"],
		["start", "mail", "replied", "wait", "mail2", "replied2", "call"],
		["start", "mail", "replied", "wait", "mail2", "replied2", "give_up"],
	]


@pytest.mark.parametrize(
	"condition, waits",
	[
		("Email Replied", True),
		("Email Opened", True),
		("Link Clicked", True),
		("Meeting Booked", True),
		("Call Answered", False),  # known when the seller logs the call's outcome
		("Activity Completed", False),  # known when the seller completes the activity
	],
)
def test_durations_count_only_what_waits_on_the_person(condition, waits):
	steps = numbered(
		start(),
		step("call", "Phone Call"),
		cond("check", "yes", "later", condition=condition, timeout_days=2, timeout_hours=3),
		step("yes", is_end=1),
		step("later", "Wait", wait_days=1),
		step("again", "Phone Call"),
	)
	seq.validate(steps)  # every condition still needs its time-out, to end it if nothing is logged
	timeout = (2 * seq.MINUTES_PER_DAY + 3 * 60) if waits else 0
	described = seq.describe(steps)
	assert [p["minutes"] for p in described["paths"]] == [timeout, timeout + seq.MINUTES_PER_DAY]
	assert described["max_minutes"] == timeout + seq.MINUTES_PER_DAY
	steps[2].update(timeout_days=0, timeout_hours=0)
	assert "a condition needs a time-out" in error_of(steps)


def test_automated_emails_are_not_counted_as_steps_yet_make_a_sequence():
	steps = numbered(start(), step("mail", "Automated Email", email_template="Intro"))
	seq.validate(steps)
	assert seq.describe(steps)["step_count"] == 0
	steps[-1]["step_type"] = "Email"
	assert seq.describe(steps)["step_count"] == 1
	assert "needs at least one activity" in error_of(numbered(start()))


def test_empty_next_step_means_the_following_row_and_is_end_stops():
	steps = follow_up()
	graph = seq.edges(steps)
	assert graph["mail"] == [("next", "replied")]
	assert graph["replied"] == [("yes", "call"), ("no", "wait")]
	assert graph["call"] == []  # is_end
	assert graph["give_up"] == []  # last row


def test_format_minutes():
	assert seq.format_minutes(0) == "0 minutes"
	assert seq.format_minutes(5 * 1440) == "5 days"
	assert seq.format_minutes(1440 + 60 + 1) == "1 day 1 hour 1 minute"
	assert seq.format_minutes(12 * 60) == "12 hours"


@pytest.mark.parametrize(
	"change, fragment",
	[
		(
			lambda s: s.append(step("wait_end", "Wait", wait_days=1)),
			"#9 wait_end: a path cannot end with a wait",
		),
		(lambda s: s[3].update(is_end=0, next_step="nowhere"), "#4 call: its next branch points to nowhere"),
		(lambda s: s[6].update(no_step="mail"), "loops back"),
		(lambda s: s[1].update(email_template=None), "#2 mail: an automated email needs an Email Template"),
		(lambda s: s[5].update(subject=None), "an email needs an Email Template or a subject"),
		(lambda s: s[2].update(timeout_days=0), "a condition needs a time-out"),
		(lambda s: s[2].update(condition=None), "needs a condition"),
		(lambda s: s[2].update(yes_step=None), "needs a Yes branch"),
		(lambda s: s[4].update(wait_days=0), "#5 wait: a wait needs a duration"),
		(lambda s: s[7].update(field_name=None), "#8 give_up needs a field"),
		(lambda s: s[0].update(step_type="Task"), "must be Sequence starts here"),
		(lambda s: s[5].update(step_id="mail"), "reuses the Step ID mail"),
		(lambda s: s[5].update(step_id=""), "has no Step ID"),
		(lambda s: s[3].update(step_type="Start"), "only the first step"),
		(lambda s: s[3].update(step_type="Fax"), "unknown kind Fax"),
		(lambda s: s[3].update(is_end=0, next_step="start"), "goes back to the start"),
	],
)
def test_activation_refusals_name_the_step(change, fragment):
	steps = follow_up()
	change(steps)
	numbered(*steps)
	assert fragment in error_of(steps)


def test_unreachable_step_is_named():
	steps = follow_up()
	steps[2]["no_step"] = "mail2"  # skips the wait
	assert "#5 wait cannot be reached from the start" in error_of(steps)


def test_command_needs_operator_and_value_except_for_set_checks():
	base = numbered(
		start(),
		{
			"step_id": "stage",
			"step_type": "Command",
			"field_name": "sales_stage",
			"operator": "=",
			"value": "",
			"yes_step": "a",
			"no_step": "b",
		},
		step("a", is_end=1),
		step("b"),
	)
	assert "needs a value to compare with" in error_of(base)
	base[1]["operator"] = "is set"
	seq.validate(base)
	base[1]["operator"] = "~"
	assert "needs an operator" in error_of(base)


def test_drafts_may_be_incomplete_but_never_broken():
	steps = follow_up()
	steps[1]["email_template"] = None  # incomplete
	steps.append(step("dangling", "Wait"))
	numbered(*steps)
	seq.validate(steps, require_complete=False)
	steps[6]["no_step"] = "mail"  # a loop is never fine
	assert "loops back" in error_of(steps, require_complete=False)


def test_branches_may_join_again():
	steps = numbered(
		start(),
		step("mail", "Email", subject="Hi"),
		cond("r1", "confirm", "mail2"),
		step("confirm", "Email", subject="Confirmed", is_end=1),
		step("mail2", "Email", subject="Again"),
		cond("r2", "confirm", "stop"),
		step("stop", "Task"),
	)
	seq.validate(steps)
	assert (
		seq.describe(steps)["step_count"] == 4
	)  # mail, confirm (once, though two branches reach it), mail2, stop
	assert len(seq.paths(steps)) == 3


def test_tree_repeats_joined_steps_under_each_branch():
	tree = seq.tree(follow_up())
	assert tree["step_id"] == "start"
	replied = tree["children"][0]["children"][0]
	assert [(c["branch"], c["step_id"]) for c in replied["children"]] == [("yes", "call"), ("no", "wait")]


def diamonds(count: int, tail: int) -> list[dict]:
	"""``count`` conditions in a row whose branches join again (2**count paths), then a chain of
	``tail`` tasks."""
	steps = [start()]
	for n in range(count):
		steps += [
			cond(f"c{n}", f"y{n}", f"n{n}"),
			step(f"y{n}", next_step=f"j{n}"),
			step(f"n{n}"),
			step(f"j{n}", "Wait", wait_days=1),
		]
	steps += [step(f"t{n}") for n in range(tail)]
	return numbered(*steps)


def test_many_branches_are_counted_without_listing_every_path():
	steps = diamonds(13, seq.MAX_STEPS - 53)
	assert len(steps) == seq.MAX_STEPS
	seq.validate(steps)
	described = seq.describe(steps)
	assert described["path_count"] == 2**13
	assert len(described["paths"]) == seq.MAX_LISTED_PATHS
	# each diamond: one day's time-out and one day's wait
	assert described["max_minutes"] == 13 * 2 * seq.MINUTES_PER_DAY
	assert described["max_minutes"] == max(p["minutes"] for p in described["paths"])


def test_the_drawing_stays_small_however_the_branches_multiply():
	steps = diamonds(13, seq.MAX_STEPS - 53)

	def nodes(node):
		return 1 + sum(nodes(child) for child in node["children"])

	drawn = nodes(seq.tree(steps))
	assert drawn <= seq.MAX_TREE_NODES + len(steps)
	# a small sequence is still drawn in full, joined steps under each branch
	assert nodes(seq.tree(diamonds(2, 1))) == 2 + 2 * (
		3 + 2 * 3
	)  # start, c0, twice (y|n, j0, c1, twice (y|n, j1, t0))


def test_a_sequence_has_at_most_max_steps():
	steps = diamonds(13, 3000)
	assert f"at most {seq.MAX_STEPS} steps" in error_of(steps, require_complete=False)
	with pytest.raises(EngineError):
		seq.describe(steps)


# -- the shipped templates, step for step from seed 002 --------------------------------------------------
# title: (record type, the seed's steps excluding waits, the seed's duration in days, rows). Rows, in
# table order: (step id, kind, gist of its subject / its condition / field=value, days it waits or times
# out, where it goes: the next step, or a condition's Yes and No steps; () ends the path).
# Counted as the seed counts: an automated email is the system's work, not a step (outbound's seven steps
# could not hold the eight actions the seed names otherwise). A call's or an activity's outcome is known
# when the seller logs it, so its condition adds no time; its one-day time-out only ends a call never
# logged. "Disqualify the lead" is ERPNext's Lead qualification status, not Do Not Contact (an opt-out).
SEED_002 = {
	"Follow-up for no-show contacts": (
		"Contact",
		7,
		5,
		[
			("start", "Start", "starts here", 0, ("email_missed",)),
			("email_missed", "Email", "missed meeting", 0, ("replied_1",)),
			# the seed gives no time-outs: a day for this email (the no-show is fresh), two for the
			# placeholder (time to confirm it); with the two-day wait, its five days
			("replied_1", "Condition", "Email Replied", 1, ("call_share_1", "call_1")),
			("call_share_1", "Phone Call", "share the details of the missed meeting", 0, ()),
			("call_1", "Phone Call", "missed meeting", 0, ("answered_1",)),
			("answered_1", "Condition", "Call Answered", 1, ("task_discuss", "wait_2d")),
			# "discuss the missed meeting and share its details": the seventh step
			("task_discuss", "Task", "share its details", 0, ()),
			("wait_2d", "Wait", "", 2, ("email_placeholder",)),
			("email_placeholder", "Email", "placeholder meeting", 0, ("replied_2",)),
			("replied_2", "Condition", "Email Replied", 2, ("call_share_2", "task_other_contacts")),
			("call_share_2", "Phone Call", "share the details of the missed meeting", 0, ()),
			("task_other_contacts", "Task", "other contacts at the company", 0, ()),
		],
	),
	"High-volume outbound prospecting": (
		"Lead",
		7,
		9,
		[
			("start", "Start", "starts here", 0, ("email_intro",)),
			("email_intro", "Automated Email", "introduction", 0, ("research",)),
			("research", "LinkedIn Research", "research the lead and their company", 0, ("call_1",)),
			("call_1", "Phone Call", "introductory call", 0, ("answered_1",)),
			("answered_1", "Condition", "Call Answered", 1, ("connect", "email_follow_up")),
			("connect", "LinkedIn Connect", "connect with the lead", 0, ("meeting",)),
			# each answered call books the meeting that moves the deal on: one step, three ways in
			("meeting", "Meeting", "move the deal to the next stage", 0, ()),
			("email_follow_up", "Automated Email", "follow-up", 0, ("wait_3d",)),
			("wait_3d", "Wait", "", 3, ("call_2",)),
			("call_2", "Phone Call", "follow-up call", 0, ("answered_2",)),
			("answered_2", "Condition", "Call Answered", 1, ("meeting", "wait_2d")),
			("wait_2d", "Wait", "", 2, ("call_3",)),
			("call_3", "Phone Call", "final call", 0, ("answered_3",)),
			("answered_3", "Condition", "Call Answered", 1, ("meeting", "wait_4d")),
			# the seed's nine days hold waits of three and two: the lead has four days to reply or call
			# back before being disqualified (a reply ends this sequence, which stops on replies)
			("wait_4d", "Wait", "", 4, ("disqualify",)),
			("disqualify", "Update Field", "qualification_status=Unqualified", 0, ()),
		],
	),
	"Invitation to an upcoming event": (
		"Contact",
		6,
		5,
		[
			("start", "Start", "starts here", 0, ("email_invite",)),
			("email_invite", "Email", "invitation to the event", 0, ("replied_1",)),
			# three days to answer the invitation, two the follow-up: the seed's five (the call adds none)
			("replied_1", "Condition", "Email Replied", 3, ("email_confirm", "email_follow_up")),
			# both replies get the same confirmation, the call its own: the seed's six steps
			("email_confirm", "Email", "confirmation with the event details", 0, ()),
			("email_follow_up", "Email", "follow-up invitation", 0, ("replied_2",)),
			("replied_2", "Condition", "Email Replied", 2, ("email_confirm", "call")),
			("call", "Phone Call", "about the event", 0, ("answered",)),
			("answered", "Condition", "Call Answered", 1, ("email_confirm_call", "mark_future")),
			("email_confirm_call", "Email", "with the event details", 0, ()),
			# a Contact has no such field: a tag, which list views filter on
			("mark_future", "Update Field", "_user_tags=Future events", 0, ()),
		],
	),
	"Meeting for product demo requests": (
		"Opportunity",
		9,
		5,
		[
			("start", "Start", "starts here", 0, ("email_thanks",)),
			("email_thanks", "Email", "thank the customer for their interest", 0, ("research",)),
			("research", "LinkedIn Research", "research the customer", 0, ("connect",)),
			("connect", "LinkedIn Connect", "connect with the customer", 0, ("wait_1d",)),
			("wait_1d", "Wait", "", 1, ("email_slot",)),
			("email_slot", "Email", "time slot for the demo", 0, ("replied",)),
			# two days to send a slot: with the waits of one and two days, the seed's five
			("replied", "Condition", "Email Replied", 2, ("email_demo_invite", "call_1")),
			# "schedule a meeting and demonstrate the product", shared by the three ways in: the
			# invitation, then the demo (the seed's nine steps)
			("email_demo_invite", "Email", "schedule the demo", 0, ("demo",)),
			("demo", "Meeting", "product demo", 0, ()),
			("call_1", "Phone Call", "schedule the demo", 0, ("answered_1",)),
			("answered_1", "Condition", "Call Answered", 1, ("email_demo_invite", "wait_2d")),
			("wait_2d", "Wait", "", 2, ("call_2",)),
			("call_2", "Phone Call", "follow-up call", 0, ("answered_2",)),
			("answered_2", "Condition", "Call Answered", 1, ("email_demo_invite", "disqualify")),
			# an Opportunity has no qualification status: ERPNext closes one nobody answers as Closed (its
			# Close button; CRM Settings closes unanswered ones so); Lost is for a deal declared lost,
			# with reasons and competitors, which no one gave here
			("disqualify", "Update Field", "status=Closed", 0, ()),
		],
	),
	"Upcoming account renewal": (
		"Customer",
		13,
		50,
		[
			# the seed gives only the fifty days: ten between each of its phases
			("start", "Start", "starts here", 0, ("review_account",)),
			("review_account", "Task", "review the account and its renewal data", 0, ("email_renewal",)),
			("email_renewal", "Email", "upcoming renewal: ask for a meeting", 0, ("wait_1",)),
			("wait_1", "Wait", "", 10, ("review_products",)),
			("review_products", "Task", "products and features in use", 0, ("call_questions",)),
			("call_questions", "Phone Call", "answer questions and outline add-ons", 0, ("action_items",)),
			("action_items", "Task", "action items from the call", 0, ("email_follow_up",)),
			("email_follow_up", "Email", "follow-up meeting", 0, ("wait_2",)),
			("wait_2", "Wait", "", 10, ("proposal",)),
			# "prepare the proposal and discuss it with sales for approval": two steps of the thirteen
			("proposal", "Task", "prepare the renewal proposal", 0, ("approval",)),
			("approval", "Task", "with sales for approval", 0, ("wait_3",)),
			("wait_3", "Wait", "", 10, ("call_proposal",)),
			("call_proposal", "Phone Call", "approved renewal proposal", 0, ("email_quote",)),
			("email_quote", "Email", "quote", 0, ("wait_4",)),
			("wait_4", "Wait", "", 10, ("call_final",)),
			("call_final", "Phone Call", "final proposal", 0, ("wait_5",)),
			("wait_5", "Wait", "", 10, ("sign",)),
			("sign", "Meeting", "sign the renewal contract", 0, ("email_thanks",)),
			("email_thanks", "Email", "thank the customer for renewing", 0, ()),
		],
	),
	"Post-webinar follow-up": (
		"Lead",
		10,
		7,
		[
			("start", "Start", "starts here", 0, ("email_thanks",)),
			("email_thanks", "Automated Email", "thank you for attending", 0, ("replied_1",)),
			# a day for the thank-you (the webinar is fresh), two for the follow-up and the final email:
			# with the two-day wait, the seed's seven days
			("replied_1", "Condition", "Email Replied", 1, ("email_confirm_1", "email_follow_up")),
			# every reply and the call get their own confirmation (the seed repeats it in each branch
			# and its ten steps count four), then one qualification and one demo
			("email_confirm_1", "Email", "confirm the next steps", 0, ("qualify",)),
			("qualify", "Update Field", "qualification_status=Qualified", 0, ("demo",)),
			("demo", "Meeting", "product demo", 0, ()),
			("email_follow_up", "Email", "follow-up", 0, ("replied_2",)),
			("replied_2", "Condition", "Email Replied", 2, ("email_confirm_2", "call")),
			("email_confirm_2", "Email", "confirm the next steps", 0, ("qualify",)),
			("call", "Phone Call", "next steps", 0, ("answered",)),
			("answered", "Condition", "Call Answered", 1, ("email_confirm_call", "wait_2d")),
			("email_confirm_call", "Email", "agreed on the call", 0, ("qualify",)),
			("wait_2d", "Wait", "", 2, ("email_final",)),
			("email_final", "Email", "final follow-up", 0, ("replied_3",)),
			("replied_3", "Condition", "Email Replied", 2, ("email_confirm_3", "disqualify")),
			("email_confirm_3", "Email", "confirm the next steps", 0, ("qualify",)),
			("disqualify", "Update Field", "qualification_status=Unqualified", 0, ()),
		],
	),
}


def load_templates():
	return {t["title"]: t for t in (json.loads(p.read_text()) for p in sorted(TEMPLATES.glob("*.json")))}


def as_seed_row(step: dict, graph: dict) -> tuple:
	"""A shipped step as a row of SEED_002 (its gist is the whole text the seed's gist is found in)."""
	kind = step["step_type"]
	if kind == "Condition":
		text, minutes = step.get("condition"), seq.timeout_minutes(step)
	elif kind == "Update Field":
		text, minutes = f"{step.get('field_name')}={step.get('value')}", 0
	else:
		text, minutes = step.get("subject") or "", seq.wait_minutes(step)
	days = minutes / seq.MINUTES_PER_DAY
	return step["step_id"], kind, text, days, tuple(target for _branch, target in graph[step["step_id"]])


def test_templates_that_branch_on_a_reply_do_not_stop_on_it():
	"""Their "if the person replies" steps must be reachable: the exit on reply is off for them."""
	for title, template in load_templates().items():
		branches_on_reply = any(s.get("condition") == "Email Replied" for s in template["steps"])
		assert template.get("exit_on_reply", 1) == (0 if branches_on_reply else 1), title


def test_the_six_templates_ship_step_for_step_as_seed_002_describes_them():
	templates = load_templates()
	assert set(templates) == set(SEED_002)
	for title, (record_type, step_count, days, expected) in SEED_002.items():
		template = templates[title]
		assert template["record_type"] == record_type, title
		rows = numbered(*template["steps"])
		graph = seq.edges(rows)
		shipped = [as_seed_row(step, graph) for step in rows]
		assert [row[0] for row in shipped] == [row[0] for row in expected], title
		for got, (step_id, kind, gist, wait, targets) in zip(shipped, expected, strict=True):
			assert got[1:2] + got[3:] == (kind, wait, targets), (title, step_id)
			assert gist.casefold() in got[2].casefold(), (title, step_id, got[2])
		seq.validate(rows)
		described = seq.describe(rows)
		assert (described["step_count"], described["max_minutes"]) == (
			step_count,
			days * seq.MINUTES_PER_DAY,
		), title


def test_each_templates_condition_reads_the_activity_just_before_it():
	"""A condition is about the nearest activity above it on the table: the one that leads to it."""
	for title, template in load_templates().items():
		rows = numbered(*template["steps"])
		graph = seq.edges(rows)
		for step in rows:
			if step["step_type"] == "Condition":
				subject = runner.condition_subject(rows, step["step_id"])
				assert ("next", step["step_id"]) in graph[subject], (title, step["step_id"], subject)


def test_every_shipped_email_step_has_a_shipped_email_template():
	shipped = {t["name"] for t in json.loads((TEMPLATES.parent / "email_templates.json").read_text())}
	used = {
		s["email_template"]
		for t in load_templates().values()
		for s in t["steps"]
		if s["step_type"] in ("Email", "Automated Email")
	}
	assert used and used <= shipped


# -- property-style: random valid graphs validate; random corruptions are caught, naming the step ------
def random_sequence(rng: random.Random, size: int) -> list[dict]:
	"""A random valid sequence: every edge points to a later row; every path ends on an activity."""
	ids = ["start"] + [f"s{i}" for i in range(1, size)]
	steps = [start()]
	for i in range(1, size):
		later = ids[i + 1 :]
		if len(later) >= 2 and rng.random() < 0.3:
			yes, no = rng.sample(later, 2)
			steps.append(cond(ids[i], yes, no))
		elif later and rng.random() < 0.2:
			steps.append(step(ids[i], "Wait", wait_hours=rng.randint(1, 48), next_step=rng.choice(later)))
		else:
			kind = rng.choice(["Task", "Phone Call", "Meeting", "LinkedIn Message"])
			values = {"next_step": rng.choice(later)} if later and rng.random() < 0.5 else {}
			if not later:
				values = {"is_end": 1}
			steps.append(step(ids[i], kind, **values))
	# spell out the implicit "following row" edges, then drop the rows nobody reaches
	numbered(*steps)
	graph = seq.edges(steps)
	for row in steps:
		if row["step_type"] not in seq.BRANCH_TYPES and graph[row["step_id"]]:
			row["next_step"] = graph[row["step_id"]][0][1]
	reachable = {p for path in seq.paths(steps) for p in path}
	return numbered(*(dict(s, idx=None) for s in steps if s["step_id"] in reachable))


def test_random_valid_sequences_validate():
	rng = random.Random(20261123)
	for _ in range(300):
		steps = random_sequence(rng, rng.randint(2, 14))
		seq.validate(steps)
		described = seq.describe(steps)
		assert described["max_minutes"] == max(
			sum(seq.step_minutes(next(s for s in steps if s["step_id"] == sid)) for sid in path)
			for path in seq.paths(steps)
		)


def test_random_corruptions_are_rejected_naming_the_step():
	rng = random.Random(7)
	checked = 0
	for _ in range(300):
		steps = random_sequence(rng, rng.randint(4, 14))
		if len(steps) < 3:
			continue
		victim = rng.choice(steps[1:])
		name = seq.label(victim)
		corruption = rng.choice(["dangling", "loop", "orphan", "trailing_wait"])
		if corruption == "dangling":
			key = "yes_step" if victim["step_type"] == "Condition" else "next_step"
			victim.pop("is_end", None)
			victim[key] = "missing"
			expected = f"{name}: its"
		elif corruption == "loop":
			ancestors = next(p for p in seq.paths(steps) if victim["step_id"] in p)
			target = ancestors[ancestors.index(victim["step_id"]) - 1]
			if target == "start":
				continue
			key = "no_step" if victim["step_type"] == "Condition" else "next_step"
			victim.pop("is_end", None)
			victim[key] = target
			expected = "loops back"
		elif corruption == "orphan":
			steps.append(step("orphan", "Task"))
			steps[-2]["is_end"] = 1 if steps[-2]["step_type"] not in seq.BRANCH_TYPES else None
			numbered(*steps)
			expected = "orphan cannot be reached"
		else:
			end = next(s for s in steps if s.get("is_end"))
			end.update(step_type="Wait", wait_minutes=5)
			expected = f"{seq.label(end)}: a path cannot end with a wait"
		assert expected in error_of(steps), (corruption, name)
		checked += 1
	assert checked > 200
