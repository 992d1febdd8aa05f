"""What each Automation Rule action does, with Frappe's own machinery: ToDo and assign_to, Email
Template and Communication, Notification Log, Assignment Rule, sequences, CRM Action Notes.

Actions run as the rule's author (``rules.acting_as``) and write with that user's permissions, as
if they did it by hand: no ``ignore_permissions`` on what an action makes or changes.

Each action returns its Automation Rule Log Action row: outcome, a readable detail, and what it made,
if anything. An action raises to fail; the runner rolls it back and logs it.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_days, cint, nowdate

from sales_accelerator.engine import automation as engine
from sales_accelerator.utils import bold


def run_action(run, action) -> dict:
	return HANDLERS[action.action_type](run, action)


def outcome(detail: str, made: tuple | None = None, status: str = "Done", **extra) -> dict:
	return {
		"outcome": status,
		"detail": detail,
		"reference_doctype": made[0] if made else None,
		"reference_name": made[1] if made else None,
		**extra,
	}


# -- people ---------------------------------------------------------------------------------------------
def is_user(value: str) -> bool:
	return bool(value) and bool(frappe.db.get_value("User", {"name": value, "enabled": 1}))


def owners_manager(doc) -> str | None:
	"""The manager of the record's owner: the user of the Employee that the owner's Employee reports
	to, else the fallback manager of Sales Accelerator Settings."""
	owner = engine.record_owner(doc)
	reports_to = owner and frappe.db.get_value(
		"Employee", {"user_id": owner, "status": "Active"}, "reports_to"
	)
	manager = reports_to and frappe.db.get_value("Employee", reports_to, "user_id")
	return manager or frappe.db.get_single_value("Sales Accelerator Settings", "approval_user")


def assignee(run, action) -> str:
	"""Assign To (a user, or a field holding one), else the action's Assignment Rule's next user."""
	doc = run.doc
	if action.assign_to:
		user = engine.assignee_from(action.assign_to, doc, is_user)
		if user:
			return user
		raise frappe.ValidationError(
			_("Assign To {0} is neither an enabled user nor a field of {1} holding one.").format(
				bold(action.assign_to), bold(doc.name)
			)
		)
	if action.assignment_rule:
		# locked until the save commits: records saved at once by several workers take turns, so the
		# round robin stays even
		rule = frappe.get_doc("Assignment Rule", action.assignment_rule, for_update=True)
		user = rule.get_user(doc)
		if not user:
			raise frappe.ValidationError(
				_("Assignment Rule {0} has no user to give {1} to.").format(bold(rule.name), bold(doc.name))
			)
		rule.db_set("last_user", user)  # round robin goes on from here, as Frappe's own rules do
		return user
	raise frappe.ValidationError(_("Choose Assign To or an Assignment Rule."))


def notify_users(users: list[str], doctype: str, name: str, subject: str, content: str | None = None):
	"""An alert (a Notification Log) about a document for each user. Frappe finds users by email,
	and Administrator's is not its name."""
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	emails = frappe.get_all("User", filters={"name": ["in", users], "enabled": 1}, pluck="email")
	if emails:
		enqueue_create_notification(
			emails,
			{
				"type": "Alert",
				"document_type": doctype,
				"document_name": name,
				"subject": subject,
				"email_content": content,
			},
		)


def recipients(run, action) -> list[str]:
	"""Users (or addresses) named by Send To, the field, the user and the role of the action."""
	doc, people = run.doc, []
	if action.recipient == engine.RECORD_OWNER:
		people.append(engine.record_owner(doc))
	elif action.recipient == engine.OWNERS_MANAGER:
		people.append(owners_manager(doc))
	elif action.recipient == engine.ASSIGNEES:
		people.extend(json.loads(frappe.db.get_value(doc.doctype, doc.name, "_assign") or "[]"))
	if action.recipient_field:
		people.append(doc.get(action.recipient_field))
	if action.recipient_user:
		people.append(action.recipient_user)
	if action.recipient_role:
		from frappe.utils.user import get_users_with_role

		people.extend(get_users_with_role(action.recipient_role))
	people = list(dict.fromkeys(p for p in people if p and p not in ("Guest",)))
	if not people:
		raise frappe.ValidationError(_("Nobody to send it to: {0} names no one.").format(bold(doc.name)))
	return people


# -- actions --------------------------------------------------------------------------------------------
def create_task(run, action):
	from frappe.desk.form.assign_to import notify_assignment

	doc, user = run.doc, assignee(run, action)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": user,
			"description": run.render(action.subject),
			"date": add_days(nowdate(), cint(action.due_in_days)),
			"reference_type": doc.doctype,
			"reference_name": doc.name,
			"assigned_by": frappe.session.user,
		}
	).insert()
	notify_assignment(
		todo.assigned_by, user, doc.doctype, doc.name, action="ASSIGN", description=todo.description
	)
	return outcome(_("Task for {0}, due {1}").format(user, todo.date), ("ToDo", todo.name))


def update_field(run, action):
	value = run.render(action.value) if "{" in (action.value or "") else action.value
	run.update_record({action.field_to_set: value})
	return outcome(_("{0} set to {1}").format(action.field_to_set, value))


def change_score(run, action):
	current = run.doc.get(action.field_to_set)
	value = engine.score_change(current, action.value, f"#{action.idx}")
	run.update_record({action.field_to_set: value})
	return outcome(_("{0}: {1} → {2}").format(action.field_to_set, current or 0, value))


def send_email(run, action):
	from sales_accelerator.integrations.email import send_template_email

	addresses = [
		address
		for address in (
			frappe.db.get_value("User", p, "email") if is_user(p) else p for p in recipients(run, action)
		)
		if address and "@" in address
	]
	if not addresses:
		raise frappe.ValidationError(_("None of the recipients has an email address."))
	communication = send_template_email(run.doc, action.email_template, addresses)
	return outcome(_("Email to {0}").format(", ".join(addresses)), ("Communication", communication))


def notify(run, action):
	doc = run.doc
	users = [u for u in recipients(run, action) if is_user(u)]
	if not users:
		raise frappe.ValidationError(_("None of the recipients is an enabled user."))
	subject = run.render(action.subject) or _("{0}: {1} {2}").format(run.rule.name, _(doc.doctype), doc.name)
	notify_users(users, doc.doctype, doc.name, subject, run.render(action.message))
	return outcome(_("Notified {0}").format(", ".join(users)))


def assign(run, action):
	from frappe.desk.form import assign_to

	doc, user = run.doc, assignee(run, action)
	if user in json.loads(frappe.db.get_value(doc.doctype, doc.name, "_assign") or "[]"):
		return outcome(_("Already assigned to {0}").format(user), status="Skipped")
	assign_to.add(
		{
			"assign_to": [user],
			"doctype": doc.doctype,
			"name": doc.name,
			"description": run.render(action.subject) or run.rule.name,
			"assignment_rule": action.assignment_rule,
		},
	)
	return outcome(_("Assigned to {0}").format(user))


def connect_sequence(run, action):
	from sales_accelerator.permissions import check_may_use_sequences
	from sales_accelerator.sequences.enrollment import connect, running_enrollment

	doc = run.doc
	check_may_use_sequences()  # as the Connect button asks of whoever clicks it
	frappe.has_permission("Sequence", "read", action.sequence, throw=True)
	if running_enrollment(doc.doctype, doc.name):
		return outcome(_("{0} is already in a sequence").format(doc.name), status="Skipped")
	owner = engine.record_owner(doc)
	names = connect(action.sequence, doc.doctype, [doc.name], seller=owner if is_user(owner) else None)
	return outcome(_("Connected to sequence {0}").format(action.sequence), ("Sequence Enrollment", names[0]))


def add_crm_note(run, action):
	doc = run.doc
	note = frappe.get_doc(
		{
			"doctype": "CRM Action Note",
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"crm_action": action.crm_action,
			"crm_status": action.crm_status,
			"assignee": assignee(run, action) if action.assign_to or action.assignment_rule else None,
			"due_date": add_days(nowdate(), cint(action.due_in_days)) if action.due_in_days else None,
			"note": run.render(action.subject),
		}
	).insert()
	return outcome(_("CRM Action Note {0}").format(note.name), ("CRM Action Note", note.name))


def webhook(run, action):
	from sales_accelerator.automation.rules import record_values

	body = run.render(action.webhook_body) if action.webhook_body else frappe.as_json(record_values(run.doc))
	try:
		json.loads(body)
	except ValueError as e:
		raise frappe.ValidationError(_("The webhook body is not valid JSON: {0}").format(e)) from None
	method = action.webhook_method or "POST"
	return outcome(
		_("{0} {1}: queued").format(method, action.webhook_url),
		status="Queued",
		payload=json.dumps({"url": action.webhook_url, "method": method, "body": body}),
	)


def request_approval(run, action):
	from sales_accelerator.automation.approvals import request

	approval = request(run, action)
	run.approvals.append(approval.name)
	return outcome(
		_("Asked {0}; the actions after this one run once approved").format(approval.approver),
		("Automation Approval", approval.name),
		status="Waiting for Approval",
	)


HANDLERS = {
	engine.CREATE_TASK: create_task,
	engine.UPDATE_FIELD: update_field,
	engine.SEND_EMAIL: send_email,
	engine.NOTIFY: notify,
	engine.WEBHOOK: webhook,
	engine.ASSIGN: assign,
	engine.CONNECT_SEQUENCE: connect_sequence,
	engine.ADD_CRM_NOTE: add_crm_note,
	engine.CHANGE_SCORE: change_score,
	engine.REQUEST_APPROVAL: request_approval,
}
