"""Helpers of the integration tier (run in a bench with `bench run-tests --app sales_accelerator`)."""

import datetime
from contextlib import contextmanager

import frappe

# a Wednesday morning in the site's time zone: inside the default working hours (09:00 to 17:00), so
# waits and time-outs that start then end at the same time of day
WORKDAY_10 = datetime.datetime(2026, 11, 18, 10, 0)


@contextmanager
def working_round_the_clock(user: str = "Administrator"):
	"""For tests whose workers are other processes, running at the real time of day: the seller's
	working hours are the whole day, committed, and put back after."""

	def hours(start, end):
		frappe.db.set_value("User", user, {"sa_work_start": start, "sa_work_end": end})
		frappe.db.commit()
		frappe.clear_document_cache("User", user)

	hours("00:00:00", "23:59:59")
	try:
		yield
	finally:
		frappe.db.rollback()
		hours(None, None)


def make_user(email: str, *roles: str) -> str:
	"""A desk user with exactly ``roles``; created once, reused by later runs."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0].replace(".", " ").title(),
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.enabled = 1
	user.set("roles", [])
	user.add_roles(*roles)
	return email


def make_lead(name: str, **values) -> str:
	existing = frappe.db.get_value("Lead", {"lead_name": name})
	if existing:
		return existing
	return (
		frappe.get_doc({"doctype": "Lead", "first_name": name, "lead_name": name, **values})
		.insert(ignore_permissions=True)
		.name
	)


def make_note(reference_name: str, reference_doctype: str = "Lead", **values):
	return frappe.get_doc(
		{
			"doctype": "CRM Action Note",
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"crm_action": values.pop("crm_action", "PHN"),
			**values,
		}
	).insert()


def make_contact(first_name: str, email: str | None = None) -> str:
	existing = frappe.db.get_value("Contact", {"first_name": first_name})
	if existing:
		return existing
	contact = frappe.get_doc({"doctype": "Contact", "first_name": first_name})
	if email:
		contact.append("email_ids", {"email_id": email, "is_primary": 1})
	return contact.insert(ignore_permissions=True).name


def make_outgoing_email_account():
	"""Automated emails need an outgoing account; nothing is really sent in tests."""
	if not frappe.db.exists("Email Account", {"email_id": "sa-outgoing@example.com"}):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_Test SA Outgoing",
				"email_id": "sa-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)


def active_sequence_from_template(template: str, title: str | None = None, **changes) -> str:
	from sales_accelerator.api import create_sequence_from_template

	name = create_sequence_from_template(template, title or f"_Test {template}")
	sequence = frappe.get_doc("Sequence", name)
	sequence.update(changes)
	sequence.save()
	sequence.activate()
	return name


def make_sequence(title="_Test sequence", record_type="Lead", steps=(), **values):
	sequence = frappe.get_doc({"doctype": "Sequence", "title": title, "record_type": record_type, **values})
	for step in steps:
		sequence.append("steps", step)
	return sequence.insert()


def make_quiet_user(email: str, *roles: str) -> str:
	"""A user who gets Notification Logs but no notification emails: sending one would commit the
	test's transaction."""
	make_user(email, *roles)
	settings = frappe.get_doc("Notification Settings", email)
	settings.enabled = 1
	settings.enable_email_notifications = 0
	settings.save(ignore_permissions=True)
	return email


def make_employee(user: str, reports_to: str | None = None, company: str | None = None) -> str:
	existing = frappe.db.get_value("Employee", {"user_id": user})
	if existing:
		frappe.db.set_value("Employee", existing, "reports_to", reports_to)
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": user.split("@")[0],
				"user_id": user,
				"gender": "Female",
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"company": company
				or frappe.db.get_single_value("Global Defaults", "default_company")
				or frappe.get_all("Company", pluck="name", limit=1)[0],
				"status": "Active",
				"reports_to": reports_to,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def rule_doc(title, document_type="Lead", trigger="On Create", actions=(), **values):
	"""An Automation Rule not saved yet (an earlier one of that title is removed)."""
	if frappe.db.exists("Automation Rule", title):
		frappe.delete_doc("Automation Rule", title, force=True, ignore_permissions=True)
	rule = frappe.get_doc(
		{
			"doctype": "Automation Rule",
			"title": title,
			"document_type": document_type,
			"trigger": trigger,
			**values,
		}
	)
	for action in actions:
		rule.append("actions", action)
	return rule


def make_rule(*args, **kwargs):
	return rule_doc(*args, **kwargs).insert()


def wait_then_call(title: str, **values):
	"""An active sequence of a wait (``wait_days=1``, ``wait_minutes=5``…) then a phone call; other
	``values`` are the Sequence's (``record_type``, ``exit_on_close``…)."""
	wait = {key: values.pop(key) for key in list(values) if key.startswith("wait_")}
	sequence = make_sequence(
		title=title,
		steps=[
			{"step_id": "wait", "step_type": "Wait", **wait},
			{"step_id": "call", "step_type": "Phone Call", "subject": "Call"},
		],
		**values,
	)
	sequence.activate()
	return sequence
