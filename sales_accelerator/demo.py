"""A small demo data set: `bench --site SITE execute sales_accelerator.demo.load`.

Adds a seller to log in as (seller@example.com, a Sales User), two CRM Variables (Time zone,
Expected close), four of the seller's Leads with a dozen colour-coded CRM Action Notes, some
assigned to the seller, and the seller's active "Demo: outbound prospecting" sequence (from the
High-volume outbound prospecting template) with two of the leads connected, so their Up next and
the seller's Work Queue have work in them. Safe to run twice: what exists is left as it is.
"""

import frappe
from frappe.utils import add_days, today
from frappe.utils.password import update_password

DEMO_SELLER = "seller@example.com"
DEMO_PASSWORD = "Demo#Seller1"

DEMO_LEADS = (
	("Ana Kowalska", "Kowalski Foods"),
	("Budi Santoso", "Santoso Trading"),
	("Irina Volkova", "Volkova Logistics"),
	("Siti Rahman", "Rahman Retail"),
)

# (lead index, action, status, days until due, time zone, text)
DEMO_NOTES = (
	(0, "PHN", "ACT", 1, "CET", "Discussed the spring range; call back with prices."),
	(0, "SMP", "AWA", 3, "CET", "Send the sample box once the manager approves."),
	(0, "EML", "DON", -2, "CET", "Catalogue sent."),
	(1, "PHN", "NRS", 0, "WIB", "No answer twice; try in the morning."),
	(1, "FAX", "HLD", 7, "WIB", "Waiting for the signed order form."),
	(1, "ORD", "ACT", 2, "WIB", "Order handling for the first pallet."),
	(2, "EML", "LED", 5, "MSK", "Asked for references in logistics."),
	(2, "SHP", "AWA", 4, "MSK", "Shipping quote needs approval."),
	(2, "PHN", "ACT", -1, "MSK", "Overdue: follow-up call."),
	(3, "IEM", "INA", 10, "MYT", "Internal: check credit limit before quoting."),
	(3, "PHN", "CUS", 6, "MYT", "Now a customer; schedule a review call."),
	(3, "EML", "ACT", 1, "MYT", "Send the onboarding pack."),
)

TIME_ZONES = (
	("CET", "#1e3a8a", "#dbeafe"),
	("MSK", "#7f1d1d", "#fee2e2"),
	("WIB", "#065f46", "#d1fae5"),
	("MYT", "#713f12", "#fef9c3"),
)


def load():
	if not frappe.db.exists("CRM Variable", "Time zone"):
		frappe.get_doc(
			{
				"doctype": "CRM Variable",
				"variable_name": "Time zone",
				"variable_type": "Dropdown",
				"display_order": 1,
				"description": "When to call: the contact's time zone.",
				"options": [
					{
						"option_name": zone,
						"short_code": zone,
						"font_color": font,
						"background_color": background,
					}
					for zone, font, background in TIME_ZONES
				],
			}
		).insert()
	if not frappe.db.exists("CRM Variable", "Expected close"):
		frappe.get_doc(
			{
				"doctype": "CRM Variable",
				"variable_name": "Expected close",
				"variable_type": "Date",
				"display_order": 2,
			}
		).insert()
	zone_field = frappe.db.get_value("CRM Variable", "Time zone", "fieldname")
	make_demo_seller()

	leads = []
	for person, company in DEMO_LEADS:
		lead = frappe.db.get_value("Lead", {"lead_name": person})
		if not lead:
			first, last = person.split(" ", 1)
			lead = (
				frappe.get_doc(
					{
						"doctype": "Lead",
						"first_name": first,
						"last_name": last,
						"company_name": company,
						"lead_owner": DEMO_SELLER,
					}
				)
				.insert()
				.name
			)
		leads.append(lead)

	created = 0
	for index, action, status, due_in, zone, text in DEMO_NOTES:
		if frappe.db.exists("CRM Action Note", {"reference_name": leads[index], "note": text}):
			continue
		frappe.get_doc(
			{
				"doctype": "CRM Action Note",
				"reference_doctype": "Lead",
				"reference_name": leads[index],
				"crm_action": action,
				"crm_status": status,
				"assignee": DEMO_SELLER if index % 2 == 0 else None,
				"due_date": add_days(today(), due_in),
				"note": text,
				zone_field: zone,
			}
		).insert()
		created += 1
	frappe.set_user(DEMO_SELLER)  # the seller's own sequence: its activities are theirs
	try:
		connected = connect_demo_sequence(leads[:2])
	finally:
		frappe.set_user("Administrator")
	frappe.db.commit()
	print(
		f"Demo data ready: {len(leads)} leads, {created} new CRM Action Notes, {connected} leads newly in a sequence;"
		f" log in as {DEMO_SELLER} / {DEMO_PASSWORD}."
	)


def make_demo_seller():
	if not frappe.db.exists("User", DEMO_SELLER):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": DEMO_SELLER,
				"first_name": "Demo",
				"last_name": "Seller",
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert(ignore_permissions=True)
		update_password(DEMO_SELLER, DEMO_PASSWORD)
	user = frappe.get_doc("User", DEMO_SELLER)
	if "Sales User" not in frappe.get_roles(DEMO_SELLER):
		user.add_roles("Sales User")


DEMO_SEQUENCE = "Demo: outbound prospecting"


def connect_demo_sequence(leads: list[str]) -> int:
	from sales_accelerator.api import create_sequence_from_template
	from sales_accelerator.sequences.enrollment import connect, running_enrollment

	sequence = frappe.db.get_value("Sequence", {"title": DEMO_SEQUENCE})
	if not sequence:
		sequence = create_sequence_from_template("High-volume outbound prospecting", DEMO_SEQUENCE)
	doc = frappe.get_doc("Sequence", sequence)
	if doc.status != "Active":
		doc.activate()
	waiting = [lead for lead in leads if not running_enrollment("Lead", lead)]
	if waiting:
		connect(sequence, "Lead", waiting)
	return len(waiting)
