"""Whitelisted methods of the app. Each checks the caller's permission on every record it touches."""

import re

import frappe
from frappe import _

from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES
from sales_accelerator.permissions import manages_sequences
from sales_accelerator.utils import bold


@frappe.whitelist()
def get_crm_action_notes(doctype: str, name: str, limit: int = 5) -> dict:
	"""The latest CRM Action Notes on a record and how many there are, for the panel on its form."""
	if doctype not in CUSTOMER_FACING_DOCTYPES:
		frappe.throw(_("CRM Action Notes are not kept on {0}.").format(bold(doctype)))
	frappe.has_permission(doctype, "read", name, throw=True)
	filters = {"reference_doctype": doctype, "reference_name": name}
	limit = min(max(int(limit), 1), 50)
	return {
		"total": frappe.db.count("CRM Action Note", filters),
		"notes": frappe.get_all(
			"CRM Action Note",
			filters=filters,
			fields=["name", "crm_action", "crm_status", "assignee", "due_date", "note", "owner", "creation"],
			order_by="creation desc",
			limit=limit,
		),
	}


@frappe.whitelist()
def create_sequence_from_template(template: str, title: str) -> str:
	"""A new Draft sequence with the template's steps and settings; returns its name."""
	from sales_accelerator.controllers.sequence import DEFINITION_FIELDS, STEP_FIELDS
	from sales_accelerator.permissions import check_may_use_sequences

	check_may_use_sequences()
	frappe.has_permission("Sequence", "create", throw=True)
	source = frappe.get_doc("Sequence Template", template)
	source.check_permission("read")
	if not (title or "").strip():
		frappe.throw(_("{0} is required.").format(bold(_("Sequence Name"))), frappe.MandatoryError)

	sequence = frappe.new_doc("Sequence")
	sequence.update({field: source.get(field) for field in DEFINITION_FIELDS})
	sequence.title = title.strip()
	sequence.from_template = source.name
	for row in source.steps:
		sequence.append("steps", {field: row.get(field) for field in STEP_FIELDS})
	sequence.insert()
	return sequence.name


@frappe.whitelist()
def sequence_flow(steps: str | list) -> dict:
	"""The flow the designer draws for the given steps (a Sequence's or Template's rows)."""
	from sales_accelerator.controllers.sequence import flow, step_dicts

	if not (frappe.has_permission("Sequence", "read") or frappe.has_permission("Sequence Template", "read")):
		frappe.throw(_("Only users who may read sequences can draw them."), frappe.PermissionError)
	rows = frappe.parse_json(steps) or []
	if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
		frappe.throw(_("{0} must be a list of steps.").format(bold("steps")))
	return flow(step_dicts([frappe._dict(row) for row in rows]))


# -- running sequences on records --------------------------------------------------------------------
BULK_CONNECT_THRESHOLD = 100
CONNECT_CHUNK = 500


@frappe.whitelist()
def connect(
	sequence: str, doctype: str, names: str | list | None = None, filters: str | list | dict | None = None
) -> dict:
	"""Connect records to an active sequence: the records ``names``, or every record matching the
	list filters ``filters`` (as a list view sends them). Returns ``{"enrollments": [...]}`` for up to
	100 named records, else ``{"job_id": ...}`` of the background job doing it (with progress).
	Either way only records the caller may read are connected; the job counts the others refused."""
	from sales_accelerator.permissions import check_may_use_sequences
	from sales_accelerator.sequences import enrollment

	names = frappe.parse_json(names) if isinstance(names, str) and names.startswith("[") else names
	names = [names] if isinstance(names, str) else list(dict.fromkeys(names or []))
	filters = _list_filters(filters)
	if not names and filters is None:
		frappe.throw(_("Choose at least one record to connect."), frappe.MandatoryError)
	check_may_use_sequences()
	frappe.has_permission("Sequence", "read", sequence, throw=True)
	enrollment.active_sequence(sequence, doctype)  # refused now, not in the job
	if filters is None and len(names) <= BULK_CONNECT_THRESHOLD:
		for name in names:
			frappe.has_permission(doctype, "read", name, throw=True)
		return {"enrollments": enrollment.connect(sequence, doctype, names)}
	if filters is not None:
		_check_list_filters(doctype, filters)  # refused now, not in the job
	job_id = f"sa-connect-{frappe.generate_hash(length=12)}"
	frappe.enqueue(
		"sales_accelerator.api.connect_in_background",
		queue="long",
		timeout=3600,
		job_id=job_id,
		enqueue_after_commit=True,  # only once this request is committed; never for one rolled back
		sequence=sequence,
		doctype=doctype,
		names=None if filters is not None else names,
		filters=filters,
		seller=frappe.session.user,
	)
	return {"job_id": job_id}


def _list_filters(filters):
	"""``filters`` as a list view sends them (JSON of a list or a dict), or None; refused otherwise."""
	if isinstance(filters, str):
		try:
			filters = frappe.parse_json(filters)
		except ValueError:
			filters = ""
	if filters is not None and not isinstance(filters, list | dict):
		frappe.throw(
			_("{0} must be a list view's filters: a list or a dictionary.").format(bold(_("Filters"))),
			title=_("Invalid Filters"),
		)
	return filters


def _check_list_filters(doctype: str, filters):
	"""Refuse list filters naming a field ``doctype`` does not have, with the field's name."""
	try:
		frappe.get_list(doctype, filters=filters, limit_page_length=1)
	except Exception as e:
		if not frappe.db.is_missing_column(e):
			raise
		found = re.search(r"Unknown column '(?:[^.']*\.)?([^']*)'", str(e))
		frappe.throw(
			_("The filters name a field that {0} does not have: {1}").format(
				_(doctype), bold(found.group(1) if found else filters)
			),
			title=_("Invalid Filters"),
		)


def connect_in_background(
	sequence: str,
	doctype: str,
	names: list[str] | None = None,
	seller: str | None = None,
	filters=None,
	commit: bool = True,
	inline: bool = False,
) -> dict:
	"""Connect many records as the user who asked (only records they may read), in chunks that are
	committed as they go, publishing progress to them. Their first steps are then handed to the
	runner's workers at once (``inline``: run here, for tests). Returns how many were connected and
	the refusals, each "record: why"."""
	from sales_accelerator.sequences import enrollment
	from sales_accelerator.tasks import process_due_enrollments

	doc = enrollment.active_sequence(sequence, doctype)
	seller = seller or frappe.session.user
	if names is None:
		names = frappe.get_list(
			doctype, filters=filters, pluck="name", limit_page_length=0, order_by="creation asc"
		)
	names = list(dict.fromkeys(names))
	connected, refused = 0, []
	for start in range(0, len(names), CONNECT_CHUNK):
		enrolled, refusals = enrollment.enroll_many(
			doc, doctype, names[start : start + CONNECT_CHUNK], seller
		)
		connected += enrolled
		refused += refusals
		if commit:
			frappe.db.commit()
		if enrolled:  # the chunk's first steps start while the next chunk is enrolled
			process_due_enrollments(batch_size=CONNECT_CHUNK, max_batches=1, inline=inline, commit=commit)
		done = min(start + CONNECT_CHUNK, len(names))
		frappe.publish_progress(
			done * 100 / len(names), title=_("Connecting to sequence"), description=f"{done} / {len(names)}"
		)
	if connected:  # any left (older due enrollments were taken first)
		process_due_enrollments(
			batch_size=CONNECT_CHUNK,
			max_batches=-(-connected // CONNECT_CHUNK) + 1,
			inline=inline,
			commit=commit,
		)
	if refused:
		frappe.log_error(
			title=_("{0} records were not connected to sequence {1}").format(len(refused), doc.title),
			message="\n".join(refused),
		)
	frappe.publish_realtime(
		"msgprint",
		_(
			"{0} of {1} records connected to sequence {2}; {3} refused (the Error Log says which and why)."
		).format(connected, len(names), bold(doc.title), len(refused))
		if refused
		else _("{0} records connected to sequence {1}. Their first steps are running.").format(
			connected, bold(doc.title)
		),
		user=frappe.session.user,
		after_commit=commit,
	)
	return {"connected": connected, "refused": refused}


@frappe.whitelist()
def disconnect(doctype: str, name: str, reason: str | None = None) -> None:
	"""Take the record out of its running sequence, with a reason."""
	from sales_accelerator.sequences import enrollment

	frappe.has_permission(doctype, "read", name, throw=True)
	running = enrollment.running_enrollment(doctype, name)
	if not running:
		frappe.throw(_("{0} {1} is not connected to a sequence.").format(_(doctype), bold(name)))
	if not (
		manages_sequences()
		or running.seller == frappe.session.user
		or frappe.has_permission(doctype, "write", name)
	):
		frappe.throw(
			_(
				"Only the seller of the sequence, a Sequence Manager or whoever may edit {0} {1} can disconnect it."
			).format(_(doctype), bold(name)),
			frappe.PermissionError,
		)
	enrollment.stop(
		doctype, name, "Disconnected", reason or _("Disconnected by {0}").format(frappe.session.user)
	)


@frappe.whitelist()
def up_next(doctype: str, name: str) -> dict:
	"""The record's running enrollment and its open activities, or the sequences it could join."""
	import json

	from sales_accelerator.engine.runner import remaining_steps
	from sales_accelerator.sequences import enrollment

	frappe.has_permission(doctype, "read", name, throw=True)
	running = enrollment.running_enrollment(doctype, name)
	if not running:
		return {
			"enrollment": None,
			"can_connect": _may_connect(),
			"sequences": frappe.get_list(
				"Sequence",
				filters={"status": "Active", "record_type": doctype},
				fields=["name", "title", "description", "step_count", "duration"],
				order_by="title asc",
			),
		}
	doc = frappe.get_doc(enrollment.ENROLLMENT, running.name)
	steps = json.loads(doc.steps_snapshot)["steps"]
	done = frappe.db.count(
		# steps the sequence has passed, counted as its steps are (an automated email is not one);
		# a failed update is passed too (the sequence goes on)
		enrollment.ACTIVITY,
		{
			"enrollment": doc.name,
			"status": ["in", ["Completed", "Skipped", "Failed"]],
			"step_type": ["!=", "Automated Email"],
		},
	)
	now = frappe.utils.now_datetime()
	activities = frappe.get_all(
		enrollment.ACTIVITY,
		filters={"enrollment": doc.name, "status": "Open"},
		fields=[
			"name",
			"step_type",
			"subject",
			"due",
			"seller",
			"email_template",
			"link",
			"description",
			"event",
		],
		order_by="due asc",
	)
	for activity in activities:
		activity["overdue"] = bool(activity.due and activity.due < now)
	return {
		"enrollment": {
			"name": doc.name,
			"sequence": doc.sequence,
			"sequence_title": frappe.db.get_value("Sequence", doc.sequence, "title"),
			"status": doc.status,
			"seller": doc.seller,
			"current_step": doc.current_step_label,
			"next_due": doc.next_due,
			"progress": {"done": done, "total": done + remaining_steps(steps, doc.current_step)},
		},
		"activities": activities,
	}


def _may_connect() -> bool:
	from sales_accelerator.permissions import may_use_sequences

	return may_use_sequences() and bool(frappe.has_permission("Sequence", "read"))


CALL_OUTCOMES = ("Answered", "No Answer", "Left Voicemail", "Wrong Number")


@frappe.whitelist()
def complete_activity(activity: str, outcome: str | None = None) -> dict | None:
	"""Mark an activity done (a call with its outcome) and move the sequence on; returns the next
	open activity of the record, if any."""
	if outcome and outcome not in CALL_OUTCOMES:
		frappe.throw(
			_("{0} must be one of {1}.").format(
				bold(_("Call Outcome")), ", ".join(_(o) for o in CALL_OUTCOMES)
			)
		)
	return _finish_activity(activity, "Completed", outcome)


@frappe.whitelist()
def skip_activity(activity: str) -> dict | None:
	"""Skip an activity and move the sequence on; returns the next open activity, if any."""
	return _finish_activity(activity, "Skipped")


@frappe.whitelist()
def snooze_activity(activity: str, until: str) -> None:
	"""Move an open activity's due time (and its ToDo) to ``until``. A booked meeting moves only by
	booking it again, which tells the customer."""
	from frappe.utils import get_datetime

	doc = _open_activity(activity)
	if doc.event:
		frappe.throw(
			_("The meeting {0} is booked with the customer: book it again to move it and tell them.").format(
				bold(doc.subject)
			),
			title=_("Snooze"),
		)
	when = get_datetime(until)
	if not when or when <= frappe.utils.now_datetime():
		frappe.throw(_("{0} must be in the future.").format(bold(_("Snooze Until"))))
	doc.due = when
	doc.save(ignore_permissions=True)  # moves the reminder with the due time
	if doc.reference_doctype == "ToDo":
		frappe.db.set_value("ToDo", doc.reference_name, "date", when.date())


@frappe.whitelist()
def book_meeting(
	activity: str, starts_on: str, duration: int = 30, location: str | None = None, message: str | None = None
) -> str:
	"""Book the meeting of an open Meeting activity with the customer (or move it): an Event with
	the record as participant and an invitation email with an .ics. Returns the Event's name."""
	from sales_accelerator.sequences import meetings

	doc = _open_activity(activity)
	return meetings.book(doc, starts_on, int(duration or 0), location, message)


@frappe.whitelist()
def activity_email(activity: str) -> dict:
	"""An open email activity's text for the composer: ``{"subject", "message", "recipients"}`` of its
	Email Template, filled from its record, from the user writing it (name, title, signature) and from
	its sequence (the event's details). Sending it completes the activity."""
	from sales_accelerator.integrations.email import email_context, render_template_email
	from sales_accelerator.sequences.enrollment import record_email

	doc = _open_activity(activity)
	if not doc.email_template:
		frappe.throw(_("Activity {0} has no Email Template.").format(bold(doc.subject)))
	record = frappe.get_doc(doc.record_type, doc.record_name)
	record.apply_fieldlevel_read_permissions()  # the template gets only what the user may read
	email = render_template_email(
		record, doc.email_template, email_context(frappe.session.user, doc.sequence)
	)
	return {**email, "recipients": record_email(doc) or ""}


def _open_activity(activity: str):
	"""The open activity, for its own seller (or a manager of sequences) on a record they can read.
	Activities are changed only here: nobody may write them through the desk or REST."""
	doc = frappe.get_doc("Sequence Activity", activity)
	frappe.has_permission(doc.record_type, "read", doc.record_name, throw=True)
	if doc.seller != frappe.session.user and not manages_sequences():
		frappe.throw(
			_("Activity {0} is assigned to {1}; only they or a Sequence Manager can change it.").format(
				bold(doc.subject), bold(doc.seller)
			),
			frappe.PermissionError,
		)
	if doc.status != "Open":
		frappe.throw(_("Activity {0} is already {1}.").format(bold(doc.subject), _(doc.status)))
	return doc


def _finish_activity(activity: str, status: str, outcome: str | None = None) -> dict | None:
	from sales_accelerator.sequences import calls, enrollment

	doc = _open_activity(activity)
	doc.db_set({"status": status, "outcome": outcome, "completed_on": frappe.utils.now_datetime()})
	enrollment.close_made_record(doc, "Closed" if status == "Completed" else "Cancelled")
	if status == "Completed":
		calls.log_call(doc)
	enrollment.process_enrollment(doc.enrollment)
	following = frappe.get_all(
		"Sequence Activity",
		filters={"record_type": doc.record_type, "record_name": doc.record_name, "status": "Open"},
		fields=["name", "step_type", "subject", "due"],
		order_by="due asc",
		limit=1,
	)
	return following[0] if following else None


@frappe.whitelist()
def work_queue(
	sequence: str | None = None,
	record_type: str | None = None,
	step_type: str | None = None,
	limit: int = 500,
	scope: str | None = None,
) -> list[dict]:
	"""Open sequence activities across records, by due time, with an overdue flag: mine, or (the
	``scope`` switch, as far as the user's visibility allows) my team's or everyone's."""
	from sales_accelerator import visibility

	filters = {"status": "Open"}
	sellers = visibility.sellers(scope=scope or "Me")
	if sellers is not None:
		filters["seller"] = ["in", sellers]
	for field, value in (("sequence", sequence), ("record_type", record_type), ("step_type", step_type)):
		if value:
			filters[field] = value
	rows = frappe.get_list(
		"Sequence Activity",
		filters=filters,
		fields=[
			"name",
			"step_type",
			"subject",
			"due",
			"record_type",
			"record_name",
			"sequence",
			"enrollment",
			"link",
			"event",
			"seller",
		],
		order_by="due asc",
		limit=min(int(limit), 2000),
	)
	now = frappe.utils.now_datetime()
	may_act_for_all = manages_sequences()
	titles = _titles("Sequence Enrollment", [r.enrollment for r in rows], "record_title")
	sequence_titles = _titles("Sequence", [r.sequence for r in rows], "title")
	for row in rows:
		row["overdue"] = bool(row.due and row.due < now)
		row["record_title"] = titles.get(row.enrollment)
		row["sequence_title"] = sequence_titles.get(row.sequence)
		row["mine"] = row.seller == frappe.session.user or may_act_for_all  # may act on it
		row["seller_name"] = frappe.utils.get_fullname(row.seller) if row.seller else ""
	return rows


@frappe.whitelist()
def sequence_insights(sequence: str) -> dict:
	"""The Sequence form's insights: its performance and step funnel over all time, as far as the
	user's visibility shows."""
	from sales_accelerator import insights

	frappe.has_permission("Sequence", "read", sequence, throw=True)
	filters = {"sequence": sequence}
	performance = insights.performance(filters)
	return {
		"sequence": sequence,
		"performance": performance[0] if performance else None,
		"funnel": insights.step_funnel(filters),
	}


@frappe.whitelist()
def visibility_scopes() -> dict:
	"""The Me / My team / Everyone choices the user's visibility allows, widest last."""
	from sales_accelerator import visibility

	return {"scopes": visibility.scopes(), "profile": visibility.profile(frappe.session.user)}


def _titles(doctype: str, names: list[str], field: str) -> dict:
	if not names:
		return {}
	return dict(
		frappe.get_all(
			doctype, filters={"name": ["in", list(set(names))]}, fields=["name", field], as_list=True
		)
	)


@frappe.whitelist(methods=["POST"])
def decide_approval(approval: str, decision: str, remark: str | None = None) -> dict:
	"""Approve or reject an Automation Approval (its approver, or a System Manager). Approving runs the
	rule's remaining actions. Returns the new status and the log of that run, if any."""
	from sales_accelerator.automation.approvals import decide

	return decide(approval, decision, remark)


# -- scores ---------------------------------------------------------------------------------------------
@frappe.whitelist()
def score_breakdown(doctype: str, name: str) -> dict:
	"""A record's Score and what it is made of: ``{"score": int, "contributions": [{"rule",
	"criterion", "points", "since", ...}]}``, each Scoring Rule's criteria that apply, its decay and
	its limit, and Automation Rules' changes; they add up to the score."""
	from sales_accelerator.scoring.score import breakdown

	if doctype not in CUSTOMER_FACING_DOCTYPES:
		frappe.throw(_("Records of {0} have no score.").format(bold(doctype)), title=_("Score"))
	frappe.has_permission(doctype, "read", name, throw=True)
	return breakdown(doctype, name)
