"""What the app adds to a site besides its own DocTypes, and takes away again on uninstall."""

import json
from pathlib import Path

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES
from sales_accelerator.setup.defaults import CRM_ACTIONS, CRM_STATUSES
from sales_accelerator.utils import bold
from sales_accelerator.visibility import set_default_profiles

MODULE = "Sales Accelerator"
ROLES = ("Sequence Manager",)
STATUS_FIELD = "sa_crm_status"
SCORE_FIELD = "sa_score"


REMINDER_FIELD = "sa_activity_reminder"
WORK_START_FIELD = "sa_work_start"
WORK_END_FIELD = "sa_work_end"
DISQUALIFIED_FIELD = "sa_disqualified_on"


def get_custom_fields() -> dict[str, list[dict]]:
	"""Fields the app puts on stock DocTypes: the record's latest CRM Action Note status and its
	score, and each seller's own reminder and working hours for sequence activities."""
	from sales_accelerator.engine.reminders import select_options

	fields = {
		doctype: [
			{
				"fieldname": STATUS_FIELD,
				"label": "CRM Status",
				"fieldtype": "Link",
				"options": "CRM Status",
				"insert_after": insert_after,
				"read_only": 1,
				"no_copy": 1,
				"in_standard_filter": 1,
				"description": "The status of the latest CRM Action Note on this record.",
			},
			{
				"fieldname": SCORE_FIELD,
				"label": "Score",
				"fieldtype": "Int",
				"insert_after": STATUS_FIELD,
				"read_only": 1,
				"no_copy": 1,
				"default": "0",
				"in_list_view": 1,
				"in_standard_filter": 1,
				"search_index": 1,
				"description": "Points from the Scoring Rules: what the record is and what happens with it.",
			},
		]
		for doctype, insert_after in CUSTOMER_FACING_DOCTYPES.items()
		if frappe.db.exists("DocType", doctype)
	}
	if "Lead" in fields and frappe.get_meta("Lead").has_field("qualification_status"):
		fields["Lead"].append(
			{
				"fieldname": DISQUALIFIED_FIELD,
				"label": "Disqualified On",
				"fieldtype": "Datetime",
				"insert_after": "qualification_status",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"depends_on": f"eval:doc.{DISQUALIFIED_FIELD}",
				"description": "When the lead was last marked Unqualified, by a person or a sequence.",
			}
		)
	fields["User"] = [
		{
			"fieldname": REMINDER_FIELD,
			"label": "Sequence Activity Reminder",
			"fieldtype": "Select",
			"options": select_options(),
			"insert_after": "time_zone",
			"description": "When to remind you of your sequence activities; empty uses the default of Sales Accelerator Settings.",
		},
		{
			"fieldname": WORK_START_FIELD,
			"label": "Working Hours Start",
			"fieldtype": "Time",
			"insert_after": REMINDER_FIELD,
			"description": "Your sequence activities are due, and waits end, within your working hours, in your time zone. Empty: the hours of Sales Accelerator Settings.",
		},
		{
			"fieldname": WORK_END_FIELD,
			"label": "Working Hours End",
			"fieldtype": "Time",
			"insert_after": WORK_START_FIELD,
		},
	]
	return fields


def before_install():
	check_doctype_names_are_free()
	create_roles()


def check_doctype_names_are_free():
	"""Refuse to install over a DocType of the same name that belongs to another app."""
	taken = frappe.get_all(
		"DocType",
		filters={"name": ["in", own_doctype_names()], "module": ["!=", MODULE]},
		fields=["name", "module"],
	)
	if taken:
		frappe.throw(
			_("Sales Accelerator cannot be installed: DocType {0} already exists in module {1}.").format(
				bold(taken[0].name), bold(taken[0].module)
			)
		)


def own_doctype_names() -> list[str]:
	"""Names of the DocTypes the app ships, read from their JSON files."""
	folder = Path(frappe.get_app_path("sales_accelerator", "sales_accelerator", "doctype"))
	return [json.loads(path.read_text())["name"] for path in sorted(folder.glob("*/*.json"))]


def after_install():
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	create_default_actions_and_statuses()
	set_default_working_hours()
	set_default_profiles()
	sync_sequence_templates()
	create_example_rules()


def after_migrate():
	from sales_accelerator.sales_accelerator.doctype.crm_variable.crm_variable import sync_variable_fields

	create_roles()
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	set_default_working_hours()
	sync_variable_fields()
	sync_sequence_templates()
	create_example_rules()


WORKING_HOURS = {"work_day_start": "09:00:00", "work_day_end": "17:00:00"}


def set_default_working_hours():
	"""The site's working hours are 09:00 to 17:00 until an admin chooses others. A new document's
	Time fields get the current time, with its microseconds, in Frappe: that is not a choice (times
	chosen in the desk have none) and is replaced too."""
	settings = "Sales Accelerator Settings"
	for field, default in WORKING_HOURS.items():
		value = frappe.db.get_single_value(settings, field)
		if value in (None, "") or "." in str(value):
			frappe.db.set_single_value(settings, field, default)


def before_uninstall():
	delete_example_rules()
	delete_custom_fields()
	delete_roles()
	delete_email_templates()
	delete_scheduled_jobs()


def delete_scheduled_jobs():
	"""The app's scheduler entries: Frappe's uninstall leaves them (and their logs) behind."""
	jobs = frappe.get_all("Scheduled Job Type", {"method": ["like", "sales_accelerator.%"]}, pluck="name")
	frappe.db.delete("Scheduled Job Log", {"scheduled_job_type": ["in", jobs or [""]]})
	frappe.db.delete("Scheduled Job Type", {"name": ["in", jobs or [""]]})


# Disabled Automation Rules that show what scores are for: act when a lead's score crosses a
# threshold, and when a lead stalls
EXAMPLE_RULES = (
	{
		"title": "Example: Lead score reaches 50",
		"document_type": "Lead",
		"trigger": "On Field Change",
		"field_name": SCORE_FIELD,
		"from_value": "< 50",
		"to_value": ">= 50",
		"description": "An example: when a lead's score comes to 50 or more (once, not again while it "
		"stays above), tell whoever looks after it. Enable it, or copy it, to use it.",
		"actions": [
			{
				"action_type": "Notify",
				"recipient": "Record Owner",
				"subject": "{{ doc.lead_name }} is warming up: a score of {{ doc.sa_score }}",
			}
		],
	},
	{
		"title": "Example: Stalled lead",
		"document_type": "Lead",
		"trigger": "Inactive For Days",
		"days": 14,
		"filters": '[["status", "in", ["Lead", "Open", "Replied", "Interested"]]]',
		"description": "An example: an open lead that nothing has happened to for 14 days (no change, "
		"email or note) loses points and its owner gets a task to follow it up. Enable it, or copy it.",
		"actions": [
			{
				"action_type": "Create Task",
				"subject": "Follow up {{ doc.lead_name }}: nothing has happened for 14 days",
				"assign_to": "owner",
				"due_in_days": 1,
			},
			{"action_type": "Change Score", "field_to_set": SCORE_FIELD, "value": "-10"},
		],
	},
)


def create_example_rules():
	"""Create the example Automation Rules that are missing, disabled."""
	for example in EXAMPLE_RULES:
		if not frappe.db.exists("Automation Rule", example["title"]):
			frappe.get_doc({"doctype": "Automation Rule", **example, "enabled": 0}).insert(
				ignore_permissions=True
			)


def delete_example_rules():
	"""Remove the example Automation Rules nobody has changed since they were made."""
	for example in EXAMPLE_RULES:
		found = frappe.db.get_value(
			"Automation Rule", example["title"], ["creation", "modified"], as_dict=True
		)
		if found and found.creation == found.modified:
			frappe.delete_doc("Automation Rule", example["title"], ignore_permissions=True, force=True)


def create_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def create_default_actions_and_statuses():
	for order, (label, code, category, font, background) in enumerate(CRM_ACTIONS, start=1):
		_insert_if_missing(
			"CRM Action",
			code,
			action_name=label,
			category=category,
			font_color=font,
			background_color=background,
			display_order=order,
		)
	for order, (label, code, category, font, background, closes) in enumerate(CRM_STATUSES, start=1):
		_insert_if_missing(
			"CRM Status",
			code,
			status_name=label,
			category=category,
			font_color=font,
			background_color=background,
			display_order=order,
			closes_note=closes,
		)


def _insert_if_missing(doctype: str, short_code: str, **values):
	if not frappe.db.exists(doctype, short_code):
		frappe.get_doc({"doctype": doctype, "short_code": short_code, **values}).insert(
			ignore_permissions=True
		)


DATA = Path(__file__).parent / "data"


def shipped_email_templates() -> list[dict]:
	return json.loads((DATA / "email_templates.json").read_text())


def shipped_sequence_templates() -> dict[str, dict]:
	"""The Sequence Templates the app ships, by title."""
	templates = [
		json.loads(path.read_text()) for path in sorted((DATA / "sequence_templates").glob("*.json"))
	]
	return {data["title"]: data for data in templates}


def sync_sequence_templates():
	"""Create the shipped Email Templates and Sequence Templates that are missing, and bring those
	nobody has changed up to the app's version. What an admin has changed is theirs: it is kept."""
	from sales_accelerator.controllers.sequence import definition_hash

	for template in shipped_email_templates():
		name = template["name"]
		found = frappe.db.get_value("Email Template", name, ["creation", "modified"], as_dict=True)
		if not found:
			frappe.get_doc({"doctype": "Email Template", **template}).insert(ignore_permissions=True)
		elif found.modified == found.creation:  # as inserted: keep it so, for the next refresh too
			texts = {field: value for field, value in template.items() if field != "name"}
			frappe.db.set_value("Email Template", name, texts, update_modified=False)

	for title, data in shipped_sequence_templates().items():
		if frappe.db.exists("Sequence Template", title):
			template = frappe.get_doc("Sequence Template", title)
			current = definition_hash(template)
			if template.shipped_hash and current != template.shipped_hash:
				continue  # changed by an admin since the app shipped it
			shipped = definition_hash(frappe.new_doc("Sequence Template").apply_shipped(data))
			if template.shipped_hash == shipped:
				continue  # the app's version already
		else:
			template = frappe.new_doc("Sequence Template")
		template.apply_shipped(data)
		template.save(ignore_permissions=True)


def delete_email_templates() -> list[str]:
	"""Remove the shipped Email Templates that are still as shipped and used by nothing outside the
	app. An admin's edited or used templates stay; returns (and prints) their names."""
	kept = []
	for template in shipped_email_templates():
		name = template["name"]
		current = frappe.db.get_value("Email Template", name, list(template), as_dict=True)
		if not current:
			continue
		if any((current.get(f) or "") != (template.get(f) or "") for f in template) or email_template_in_use(
			name
		):
			kept.append(name)
		else:
			frappe.delete_doc("Email Template", name, ignore_permissions=True, force=True)
	if kept:
		print(_("Kept these Email Templates, edited or in use: {0}").format(", ".join(kept)))
	return kept


def email_template_in_use(name: str) -> bool:
	"""Whether a document outside this app links to the Email Template (a Campaign, an Auto Repeat…)."""
	ours = set(app_doctypes())
	links = frappe.get_all(
		"DocField", filters={"fieldtype": "Link", "options": "Email Template"}, fields=["parent", "fieldname"]
	) + frappe.get_all(
		"Custom Field",
		filters={"fieldtype": "Link", "options": "Email Template"},
		fields=["dt as parent", "fieldname"],
	)
	return any(
		frappe.db.exists(link.parent, {link.fieldname: name})
		for link in links
		if link.parent not in ours and frappe.db.table_exists(link.parent)
	)


def delete_custom_fields():
	"""Remove every custom field and property setter of the app, on stock DocTypes and on CRM Action Note."""
	for doctype, fields in get_custom_fields().items():
		for df in fields:
			frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": df["fieldname"]})
			frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": df["fieldname"]})
			if frappe.db.has_column(doctype, df["fieldname"]):
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{df['fieldname']}`")
				frappe.cache.hdel("table_columns", f"tab{doctype}")
		frappe.clear_cache(doctype=doctype)
	frappe.db.delete("Custom Field", {"dt": ["in", app_doctypes()]})
	frappe.db.delete("Property Setter", {"doc_type": ["in", app_doctypes()]})


def delete_roles():
	"""Remove the app's roles from users and from permission customisations.

	The DocPerm rows of the app's own DocTypes go with those DocTypes."""
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)


def app_doctypes() -> list[str]:
	return frappe.get_all("DocType", filters={"module": MODULE}, pluck="name")


def before_tests():
	"""Make a fresh test site usable without the setup wizard or the network."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
	for from_currency, to_currency, rate in TEST_EXCHANGE_RATES:
		if not frappe.db.exists(
			"Currency Exchange", {"from_currency": from_currency, "to_currency": to_currency}
		):
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					"date": "2000-01-01",
					"from_currency": from_currency,
					"to_currency": to_currency,
					"exchange_rate": rate,
					"for_buying": 1,
					"for_selling": 1,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


# Fixed rates, so that nothing in the test site asks an online exchange-rate service.
TEST_EXCHANGE_RATES = (
	("EUR", "USD", 1.08),
	("USD", "EUR", 0.93),
	("INR", "USD", 0.012),
	("USD", "INR", 83.0),
)
