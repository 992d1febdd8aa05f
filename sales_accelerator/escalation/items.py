"""The items an Escalation Rule watches: a Sequence Activity, a ToDo, or any other record.

Whose an item is, whether it is still open, the calendar its hours count on, and how it is moved
to someone else with Frappe's assignment machinery (``frappe.desk.form.assign_to``), so ToDos, the
record's ``_assign`` and the notifications stay true:

- a **record** (Lead, Opportunity…): the old assignee's assignment is removed and the new person's
  added (``assign_to.remove`` / ``assign_to.add``); a user field chosen as the assignee (such as
  ``lead_owner``) follows;
- a **Sequence Activity**: its ToDo on the record is cancelled (``assign_to.set_status``) and a new
  one made for the new person, whose activity it then is (Up next and the work queue follow);
- a **ToDo**: the ToDo itself moves to the new person (its record's ``_assign`` follows), so the item
  keeps its name, history and comments.

A rule acts with its **author's** rights (the user who last saved it, as Automation Rules do): it
escalates only items its author may read, and shares a record with a new person who could not read it
only when the author may share it (Frappe's ``assign_to.add`` would share it whoever asked).
"""

import frappe
import frappe.share
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import cstr, strip_html

from sales_accelerator.engine import escalation as engine
from sales_accelerator.engine.automation import parse_filters
from sales_accelerator.engine.timing import add_working_hours, working_hours_between


# -- people -----------------------------------------------------------------------------------------------
def is_enabled_user(user: str | None) -> bool:
	return bool(user) and bool(frappe.db.get_value("User", {"name": user, "enabled": 1}))


def manager_of(user: str) -> str | None:
	"""The person above ``user``: the user of the Employee their Employee reports to, skipping
	managers without an enabled user (their own manager is asked next)."""
	employee = frappe.db.get_value("Employee", {"user_id": user, "status": "Active"}, "reports_to")
	seen = set()
	while employee and employee not in seen:
		seen.add(employee)
		manager = frappe.db.get_value("Employee", employee, ["user_id", "reports_to"], as_dict=True)
		if not manager:
			return None
		if is_enabled_user(manager.user_id):
			return manager.user_id
		employee = manager.reports_to
	return None


def assignee_of(rule, doc) -> str | None:
	"""Whose the item is: the activity's seller, the ToDo's user, the record's first assignment or
	the user in the rule's assignee field."""
	field = engine.assignee_field(rule)
	users = engine.assignees(doc.get(field))
	return users[0] if users else None


# -- the item ---------------------------------------------------------------------------------------------
def record_of(doc) -> tuple[str, str] | None:
	"""The record an activity or a ToDo is about (its timeline shows the escalation too)."""
	if doc.doctype == engine.SEQUENCE_ACTIVITY and doc.record_type and doc.record_name:
		return doc.record_type, doc.record_name
	if doc.doctype == engine.TODO and doc.reference_type and doc.reference_name:
		return doc.reference_type, doc.reference_name
	return None


def title_of(doc) -> str:
	"""A short plain-text name of the item for messages."""
	from frappe.desk.doctype.notification_log.notification_log import get_title

	if doc.doctype == engine.SEQUENCE_ACTIVITY:
		record = get_title(doc.record_type, doc.record_name) or doc.record_name
		return _("{0} on {1} {2}").format(doc.subject, _(doc.record_type), record)
	if doc.doctype == engine.TODO:
		text = strip_html(cstr(doc.description)).strip()
		return text[:80] + ("…" if len(text) > 80 else "") or doc.name
	title = get_title(doc.doctype, doc.name)
	return f"{_(doc.doctype)} {title or doc.name}"


def why_not_open(rule, doc) -> str | None:
	"""Why the item is no longer escalated (done, cancelled, no longer matching), or None. The
	rule's filters are asked of the database, as they were when the item was found."""
	from sales_accelerator.automation.rules import record_values, safe_eval

	if doc.doctype in engine.KNOWN_KINDS and doc.status != "Open":
		return _("it is {0}").format(_(doc.status))
	if doc.docstatus == 2:
		return _("it was cancelled")
	filters = parse_filters(rule.filters)
	if filters and not frappe.get_all(doc.doctype, filters=[*filters, ["name", "=", doc.name]], limit=1):
		return _("it no longer matches the rule's filters")
	if rule.condition:
		try:
			holds = safe_eval(rule.condition, record_values(doc))
		except Exception as e:
			return _("its condition could not be evaluated: {0}").format(cstr(e))
		if not holds:
			return _("the rule's condition no longer holds")
	return None


# -- hours ------------------------------------------------------------------------------------------------
def calendar_of(user: str | None, holiday_list: str | None):
	"""The working hours and days off a user's hours count on: their working hours and time zone,
	weekends and the Holiday List (the rule's, else the company's)."""
	from sales_accelerator.sequences.enrollment import calendar_for

	return calendar_for({"business_days_only": 1, "holiday_list": holiday_list}, user or "Administrator")


def shift_for(rule, user: str | None) -> engine.Shift:
	"""How hours are added for this rule and user: clock hours, or the user's working hours."""
	if not rule.working_hours_only:
		return engine.clock_hours
	calendar = calendar_of(user, rule.holiday_list)

	def shift(moment, hours):
		return add_working_hours(
			moment,
			hours,
			calendar.day_start,
			calendar.day_end,
			holidays=calendar.holidays,
			system_tz=calendar.system_tz,
			user_tz=calendar.user_tz,
		)

	return shift


def hours_between(rule, user: str | None, start, end) -> float:
	if not rule.working_hours_only:
		return (end - start).total_seconds() / 3600
	calendar = calendar_of(user, rule.holiday_list)
	return working_hours_between(
		start,
		end,
		calendar.day_start,
		calendar.day_end,
		holidays=calendar.holidays,
		system_tz=calendar.system_tz,
		user_tz=calendar.user_tz,
	)


# -- telling and moving -----------------------------------------------------------------------------------
def notify(user: str, doc, subject: str):
	"""An alert (Notification Log) about the item, emailed as the user's notification settings say."""
	from sales_accelerator.automation.actions import notify_users

	notify_users([user], doc.doctype, doc.name, subject)


def comment(doc, text: str):
	"""A line on the item's timeline, and on its record's when it is an activity or a ToDo."""
	for doctype, name in [(doc.doctype, doc.name), *filter(None, [record_of(doc)])]:
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": doctype,
				"reference_name": name,
				"content": text,
			}
		).insert(ignore_permissions=True, ignore_links=True)  # both exist: the item was just read


def author_refusal(rule, doc) -> str | None:
	"""Why the rule's author may not have the item escalated (not an enabled user, may not read it)."""
	from sales_accelerator.automation.rules import author_refusal

	return author_refusal(rule.modified_by, doc)


def reassign(rule, doc, old: str | None, new: str, note: str):
	"""Move the item from ``old`` to ``new`` (see the module's description)."""
	author = rule.modified_by
	if doc.doctype == engine.SEQUENCE_ACTIVITY:
		reassign_activity(doc, new, author)
	elif doc.doctype == engine.TODO:
		move_todo(doc, new, author)
	else:
		reassign_record(rule, doc, old, new, note)


def reassign_record(rule, doc, old: str | None, new: str, note: str):
	if old and frappe.db.exists(
		"ToDo",
		{"reference_type": doc.doctype, "reference_name": doc.name, "allocated_to": old, "status": "Open"},
	):
		assign_to.remove(doc.doctype, doc.name, old, ignore_permissions=True)
	if share_with(doc.doctype, doc.name, new, rule.modified_by):
		assign_to.add(
			{"assign_to": [new], "doctype": doc.doctype, "name": doc.name, "description": note},
			ignore_permissions=True,
		)
	else:  # not shared: an assignment without it (assign_to.add would share the record)
		give_todo(doc.doctype, doc.name, new, description=note)
	field = engine.assignee_field(rule)
	if field not in (engine.ASSIGNMENTS, engine.OWNER) and doc.get(field) != new:
		doc.db_set(field, new, update_modified=False)


def reassign_activity(activity, new: str, author: str):
	"""The activity and its ToDo on the record go to ``new``: the old ToDo is cancelled through
	Frappe's assignment, a new one is made for them with the same text and date."""
	values = {"seller": new}
	if activity.reference_doctype == "ToDo" and activity.reference_name:
		old = frappe.db.get_value(
			"ToDo",
			activity.reference_name,
			[
				"name",
				"status",
				"allocated_to",
				"reference_type",
				"reference_name",
				"description",
				"date",
				"priority",
			],
			as_dict=True,
		)
		if old:
			if old.status == "Open":
				assign_to.set_status(
					old.reference_type,
					old.reference_name,
					todo=old.name,
					assign_to=old.allocated_to,
					status="Cancelled",
					ignore_permissions=True,
				)
			share_with(activity.record_type, activity.record_name, new, author)
			values["reference_name"] = give_todo(
				old.reference_type or activity.record_type,
				old.reference_name or activity.record_name,
				new,
				description=old.description,
				date=old.date,
				priority=old.priority,
			)
	else:
		share_with(activity.record_type, activity.record_name, new, author)
	activity.db_set(values)


def give_todo(doctype: str, name: str, user: str, **values) -> str:
	"""A new ToDo of ``user`` on the record, as ``assign_to.add`` makes one (its assignment comment,
	the record's ``_assign``, the user's notification), also when the user has another ToDo there,
	without sharing the record (see ``share_with``)."""
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": user,
			"reference_type": doctype,
			"reference_name": name,
			"assigned_by": frappe.session.user,
			"status": "Open",
			**values,
		}
	).insert(ignore_permissions=True, ignore_links=True)
	assign_to.notify_assignment(
		todo.assigned_by, user, doctype, name, action="ASSIGN", description=values.get("description")
	)
	return todo.name


def move_todo(todo, new: str, author: str):
	old = todo.allocated_to
	todo.allocated_to = new
	todo.save(ignore_permissions=True)  # the record's _assign follows (ToDo.update_in_reference)
	doctype, name = record_of(todo) or (todo.doctype, todo.name)
	if doctype != todo.doctype:
		share_with(doctype, name, new, author)
	assign_to.notify_assignment(
		frappe.session.user, new, doctype, name, action="ASSIGN", description=todo.description
	)
	if old:
		assign_to.notify_assignment(frappe.session.user, old, doctype, name, action="CLOSE")


def share_with(doctype: str | None, name: str | None, user: str, author: str) -> bool:
	"""Let the new person read the record, as ``assign_to.add`` does when they could not, if the
	rule's author may share it. Whether they may read it now."""
	if not (doctype and name) or frappe.has_permission(doctype, "read", name, user=user):
		return True
	if not frappe.has_permission(doctype, "share", name, user=author):
		return False
	frappe.share.add_docshare(doctype, name, user, flags={"ignore_share_permission": True})
	return True
