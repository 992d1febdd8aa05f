"""Data for the browser tests (tests/browser/), made and removed with `bench execute`.

bench --site test_site execute sales_accelerator.tests.browser.setup   -> JSON of what it made
bench --site test_site execute sales_accelerator.tests.browser.teardown
"""

import frappe
from frappe.utils import add_to_date, now_datetime
from frappe.utils.password import update_password

PREFIX = "_Browser SA"
SELLER = "sa.browser.seller@example.com"
OTHER = "sa.browser.other@example.com"
ADMIN = "sa.browser.admin@example.com"
PASSWORD = "Browser#Seller1"
RULE = f"{PREFIX} campaign lead approval"


def setup() -> dict:
	from sales_accelerator.api import connect, create_sequence_from_template
	from sales_accelerator.tests import make_quiet_user, make_user

	teardown()
	clear_queued_jobs()
	make_user(SELLER, "Sales User")
	make_user(OTHER, "Sales User")
	for user in (SELLER, OTHER):
		update_password(user, PASSWORD)
		# the tests run at any time of day and let days pass: these sellers work round the clock
		frappe.db.set_value(
			"User", user, {"time_zone": None, "sa_work_start": "00:00:00", "sa_work_end": "23:59:59"}
		)
	make_quiet_user(ADMIN, "Sequence Manager", "Sales Manager")
	leads = []
	for i in range(5):
		lead = frappe.get_doc(
			{"doctype": "Lead", "first_name": f"{PREFIX} {i}", "email_id": f"browser.lead{i}@example.com"}
		).insert(ignore_permissions=True)
		leads.append(lead.name)
	# the other seller may read only the last lead: the first four are not theirs to act on
	frappe.get_doc(
		{"doctype": "User Permission", "user": OTHER, "allow": "Lead", "for_value": leads[4]}
	).insert(ignore_permissions=True)
	frappe.set_user(SELLER)
	sequence = create_sequence_from_template("High-volume outbound prospecting", f"{PREFIX} outbound")
	frappe.get_doc("Sequence", sequence).activate()
	# one lead already in the sequence, with its activity overdue since yesterday
	connect(sequence, "Lead", [leads[3]])
	frappe.set_user(ADMIN)  # and one of the admin's, whom the seller does not see in the workspace
	connect(
		sequence,
		"Lead",
		[frappe.get_doc({"doctype": "Lead", "first_name": f"{PREFIX} admin's"}).insert().name],
	)
	frappe.set_user("Administrator")
	frappe.db.set_value(
		"Sequence Activity",
		{"record_name": leads[3], "status": "Open"},
		"due",
		add_to_date(now_datetime(), days=-1),
	)
	# ... who replied yesterday (the workspace counts replies)
	frappe.db.set_value(
		"Sequence Enrollment", {"record_name": leads[3]}, "replied_on", add_to_date(now_datetime(), days=-1)
	)
	frappe.db.commit()
	result = {"seller": SELLER, "other": OTHER, "password": PASSWORD, "sequence": sequence, "leads": leads}
	score = setup_score()  # before the approval rule: its campaign lead asks for no approval
	return {
		**result,
		"bulk": setup_bulk(),
		**setup_automation(),
		"markup": setup_markup(),
		"meeting_lead": setup_meeting(),
		"score": score,
	}


def setup_meeting() -> str:
	"""A lead whose sequence has come to its meeting, for the seller to book."""
	from sales_accelerator.api import connect
	from sales_accelerator.tests import make_sequence

	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": f"{PREFIX} meeting", "email_id": "browser.meeting@example.com"}
	).insert(ignore_permissions=True)
	frappe.set_user(SELLER)
	sequence = make_sequence(
		f"{PREFIX} demo meeting",
		steps=[{"step_id": "demo", "step_type": "Meeting", "subject": "Product demo"}],
	)
	sequence.activate()
	connect(sequence.name, "Lead", [lead.name])
	frappe.set_user("Administrator")
	# the seller's manager may read this lead: they see its meeting in their team's work queue
	frappe.get_doc(
		{"doctype": "User Permission", "user": OTHER, "allow": "Lead", "for_value": lead.name}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return lead.name


SCORING_RULE = f"{PREFIX} lead score"
SCORE_MARKUP = "<img src=x onerror=window.__sa_score_ran=1>"


def setup_score() -> dict:
	"""A Scoring Rule on leads (a campaign lead, a reply, and a condition whose text is markup) and the
	seller's campaign lead that replied: its score is 30 + 20 + 5."""
	from unittest.mock import patch

	rule = frappe.get_doc(
		{
			"doctype": "Scoring Rule",
			"title": SCORING_RULE,
			"document_type": "Lead",
			"decay_points": 5,
			"decay_every_days": 14,
			"criteria": [
				{"criterion": "Field Value", "points": 30, "filters": '[["source", "=", "Campaign"]]'},
				{"criterion": "Email Replied", "points": 20, "max_times": 3},
				{"criterion": "Field Value", "points": 5, "condition": f"doc.city != '{SCORE_MARKUP}'"},
			],
		}
	)
	# no worker runs beside the browser tests: the lead below is scored as it is saved and replies
	with patch("sales_accelerator.sales_accelerator.doctype.scoring_rule.scoring_rule.enqueue_rescore"):
		rule.insert(ignore_permissions=True)
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": f"{PREFIX} scored",
			"email_id": "browser.scored@example.com",
			"source": "Campaign",
			"lead_owner": SELLER,
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": "browser.scored@example.com",
			"subject": "Re: your offer",
			"content": "Tell me more",
			"reference_doctype": "Lead",
			"reference_name": lead.name,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return {"lead": lead.name, "rule": SCORING_RULE, "markup": SCORE_MARKUP, "score": 55}


# A title that is valid JSON (quotes included), which Frappe's sanitizer leaves as it is
MARKUP = '"<img src=x onerror=window.__sa_markup_ran=1>"'


def setup_markup() -> dict:
	"""A seller's active sequence titled with markup, a lead in it and a free one, and a Draft whose
	step subject is markup (its activation error names that step)."""
	from sales_accelerator.api import connect, create_sequence_from_template

	frappe.set_user(SELLER)
	sequence = create_sequence_from_template("High-volume outbound prospecting", MARKUP)
	frappe.get_doc("Sequence", sequence).activate()
	connected, free = (
		frappe.get_doc({"doctype": "Lead", "first_name": f"{PREFIX} markup {i}"}).insert().name
		for i in range(2)
	)
	connect(sequence, "Lead", [connected])
	draft = frappe.get_doc({"doctype": "Sequence", "title": f"{PREFIX} markup draft", "record_type": "Lead"})
	draft.append("steps", {"step_id": "mail", "step_type": "Automated Email", "subject": MARKUP})
	draft.insert()
	frappe.set_user("Administrator")
	frappe.db.commit()
	return {
		"title": MARKUP,
		"subject": MARKUP,
		"sequence": sequence,
		"connected": connected,
		"free": free,
		"draft": draft.name,
	}


def setup_automation() -> dict:
	"""An automation admin, a rule asking the seller's manager (OTHER) to approve campaign leads, and
	one such lead waiting for the decision."""
	import json

	from sales_accelerator.tests import make_employee, make_quiet_user

	make_quiet_user(ADMIN, "Sequence Manager", "Sales Manager")
	update_password(ADMIN, PASSWORD)
	make_employee(SELLER, reports_to=make_employee(OTHER))
	rule = frappe.get_doc(
		{
			"doctype": "Automation Rule",
			"title": RULE,
			"document_type": "Lead",
			"trigger": "On Create",
			"filters": json.dumps([["source", "=", "Campaign"]]),
		}
	)
	rule.append(
		"actions", {"action_type": "Request Approval", "message": "Campaign lead {{ doc.lead_name }}"}
	)
	rule.append(
		"actions",
		{"action_type": "Create Task", "subject": "Call {{ doc.lead_name }}", "assign_to": "lead_owner"},
	)
	rule.insert(ignore_permissions=True)
	# no RQ worker runs beside the browser tests: make the approver's notification now, as a worker would
	frappe.flags.in_test = True
	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": f"{PREFIX} campaign", "lead_owner": SELLER, "source": "Campaign"}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	approval = frappe.db.get_value("Automation Approval", {"reference_name": lead.name})
	return {"admin": ADMIN, "rule": RULE, "approval": approval, "campaign_lead": lead.name}


def setup_bulk() -> dict:
	"""Six leads of one company, which the seller connects all at once from the list's filter."""
	company = f"{PREFIX} bulk company"
	leads = [
		frappe.get_doc({"doctype": "Lead", "first_name": f"{PREFIX} bulk {i}", "company_name": company})
		.insert(ignore_permissions=True)
		.name
		for i in range(6)
	]
	frappe.db.commit()
	return {"company": company, "leads": leads}


def clear_queued_jobs():
	"""Drop this site's jobs left waiting in the long and short queues by earlier runs: they name
	records and sequences of rolled-back tests, whose names new ones reuse."""
	from frappe.utils.background_jobs import get_queue

	for name in ("long", "short"):
		queue = get_queue(name)
		for job in queue.get_jobs():
			if (job.kwargs or {}).get("site") == frappe.local.site:
				job.cancel()
				job.delete()


def run_jobs() -> dict:
	"""Run the jobs waiting in the long and short queues as a worker does, until none is left (the
	bench the browser tests use runs no worker). A stale job of an earlier run may fail: its output
	is kept out of this command's."""
	import contextlib
	import io

	from frappe.utils.background_jobs import start_worker

	with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
		start_worker(queue="long,short", quiet=True, burst=True)
	return {"ran": True}


def teardown():
	sequences = frappe.get_all("Sequence", filters={"title": ["like", f"{PREFIX}%"]}, pluck="name")
	sequences += frappe.get_all("Sequence", filters={"title": MARKUP}, pluck="name")
	leads = frappe.get_all("Lead", filters={"first_name": ["like", f"{PREFIX}%"]}, pluck="name")
	for sequence in sequences:
		frappe.db.delete("Sequence Activity", {"sequence": sequence})
		frappe.db.delete("Sequence Enrollment", {"sequence": sequence})
		frappe.db.delete("Sequence Step", {"parent": sequence})
		frappe.db.delete("Sequence", {"name": sequence})
	if leads:
		events = frappe.get_all(
			"Event Participants", filters={"reference_docname": ["in", leads]}, pluck="parent"
		)
		for event in set(events):
			frappe.delete_doc("Event", event, force=True, ignore_permissions=True)
		calls = frappe.get_all(
			"Dynamic Link", filters={"parenttype": "Call Log", "link_name": ["in", leads]}, pluck="parent"
		)
		frappe.db.delete("Dynamic Link", {"parenttype": "Call Log", "parent": ["in", calls or [""]]})
		frappe.db.delete("Call Log", {"name": ["in", calls or [""]]})
		for doctype, field in (
			("ToDo", "reference_name"),
			("Communication", "reference_name"),
			("Comment", "reference_name"),
		):
			frappe.db.delete(doctype, {field: ["in", leads]})
		frappe.db.delete("Lead", {"name": ["in", leads]})
	frappe.db.delete("User Permission", {"user": ["in", [SELLER, OTHER]]})
	if frappe.db.exists("Automation Rule", RULE):
		frappe.delete_doc("Automation Rule", RULE, force=True, ignore_permissions=True)
	if leads:
		frappe.db.delete("Automation Approval", {"reference_name": ["in", leads]})
		logs = frappe.get_all("Automation Rule Log", {"document_name": ["in", leads]}, pluck="name")
		frappe.db.delete("Automation Rule Log Action", {"parent": ["in", logs or [""]]})
		frappe.db.delete("Automation Rule Log", {"name": ["in", logs or [""]]})
	frappe.db.delete("Score Contribution", {"rule": SCORING_RULE})
	if leads:
		frappe.db.delete("Score Contribution", {"reference_name": ["in", leads]})
	frappe.db.delete("Scoring Rule Criterion", {"parent": SCORING_RULE})
	frappe.db.delete("Scoring Rule", {"name": SCORING_RULE})
	from sales_accelerator.scoring.rules import clear_rules_cache

	clear_rules_cache()
	frappe.db.delete("Employee", {"user_id": ["in", [SELLER, OTHER]]})
	frappe.db.delete("Notification Log", {"for_user": ["in", [SELLER, OTHER, ADMIN]]})
	frappe.db.set_value(
		"User", {"name": ["in", [SELLER, OTHER]]}, {"sa_work_start": None, "sa_work_end": None}
	)
	frappe.db.commit()


def workspace_counts() -> dict:
	"""What the workspace's number cards should show the seller (their own work) and the admin, a
	Sales Manager (everyone's), counted straight in the database."""
	from frappe.utils import add_days, getdate

	def counts(seller: str, everyone: bool) -> dict:
		mine = {"seller": seller}
		theirs = {} if everyone else mine
		return {
			"My Open Activities": frappe.db.count("Sequence Activity", {**mine, "status": "Open"}),
			"My Overdue Activities": frappe.db.count(
				"Sequence Activity", {**mine, "status": "Open", "due": ["<", now_datetime()]}
			),
			"Active Enrollments": frappe.db.count("Sequence Enrollment", {**theirs, "status": "Active"}),
			"Replies in the Last 30 Days": frappe.db.count(
				"Sequence Enrollment", {**theirs, "replied_on": [">=", add_days(getdate(), -30)]}
			),
		}

	return {"seller": counts(SELLER, False), "manager": counts(ADMIN, True)}


def advance(lead: str, days: float):
	"""Let ``days`` pass for the lead's enrollment, then run the scheduler tick."""
	from frappe.utils import add_to_date

	from sales_accelerator.tasks import process_due_enrollments

	enrollment = frappe.db.get_value("Sequence Enrollment", {"record_name": lead, "status": "Active"})
	doc = frappe.get_doc("Sequence Enrollment", enrollment)
	frappe.db.set_value(
		"Sequence Enrollment",
		enrollment,
		{
			"step_started": add_to_date(doc.step_started, days=-days),
			"next_due": add_to_date(doc.next_due or now_datetime(), days=-days),
		},
	)
	frappe.db.commit()
	process_due_enrollments(inline=True)
