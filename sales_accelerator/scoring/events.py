"""Doc events that rescore a record when something its rules count happens to it.

Each returns after one cache read when no enabled rule counts that kind of event. A failure is
logged, never raised into the email, call, meeting or order that caused it: the daily rescore puts
the score right.
"""

import frappe
from frappe import _
from frappe.utils import parse_addr

from sales_accelerator.engine import scoring as engine
from sales_accelerator.integrations.records import records_with_address, skip
from sales_accelerator.scoring.rules import criteria_kinds, doctypes_counting
from sales_accelerator.scoring.score import score_records


def rescore(records: list[tuple[str, str]], *kinds: str):
	"""Rescore each (doctype, name) whose type's rules count any of ``kinds``, in a savepoint."""
	by_type = {}
	for doctype, name in records:
		if doctype and name and criteria_kinds(doctype) & set(kinds):
			by_type.setdefault(doctype, []).append(name)
	for doctype, names in by_type.items():
		frappe.db.savepoint("sa_scoring")
		try:
			score_records(doctype, list(dict.fromkeys(names)))
		except Exception:
			frappe.db.rollback(save_point="sa_scoring")
			frappe.log_error(title=_("Scoring {0} {1} failed").format(_(doctype), ", ".join(names)[:100]))


def on_communication(doc, method=None):
	"""An email received from a record (linked to it, or from its address) is a reply; an email the
	seller sent to it completes an Email activity."""
	if skip() or doc.communication_type != "Communication" or doc.communication_medium != "Email":
		return
	if doc.sent_or_received == "Sent":
		rescore([(doc.reference_doctype, doc.reference_name)], engine.ACTIVITY_COMPLETED)
		return
	if doc.sent_or_received != "Received":
		return
	doctypes = doctypes_counting(engine.EMAIL_REPLIED)
	if not doctypes:
		return
	address = parse_addr(doc.sender)[1] if doc.sender else None
	records = [(doc.reference_doctype, doc.reference_name), *records_with_address(address, doctypes)]
	rescore(records, engine.EMAIL_REPLIED)


def on_event(doc, method=None):
	"""A meeting booked (or cancelled, or deleted) with records as participants."""
	if skip() or not doctypes_counting(engine.MEETING_BOOKED):
		return
	rescore(
		[(p.reference_doctype, p.reference_docname) for p in doc.get("event_participants") or []],
		engine.MEETING_BOOKED,
	)


def on_call_log(doc, method=None):
	"""A call logged on records (ERPNext's Call Log and its links)."""
	if skip() or not doctypes_counting(engine.CALL_ANSWERED):
		return
	rescore([(link.link_doctype, link.link_name) for link in doc.get("links") or []], engine.CALL_ANSWERED)


def on_activity_change(doc, method=None):
	"""A sequence activity completed (a call with its outcome), or no longer completed."""
	before = doc.get_doc_before_save()
	was_completed = bool(before) and before.status == "Completed"
	if skip() or (doc.status != "Completed" and not was_completed):
		return
	if was_completed and doc.status == "Completed" and before.outcome == doc.outcome:
		return
	rescore([(doc.record_type, doc.record_name)], engine.ACTIVITY_COMPLETED, engine.CALL_ANSWERED)


def on_sales_document(doc, method=None):
	"""A Quotation, Sales Order or Sales Invoice submitted or cancelled: the records it is for."""
	if skip() or not doctypes_counting(*engine.ERP_SIGNALS):
		return
	records = []
	customer = doc.get("customer")
	if doc.doctype == "Quotation":
		records.append((doc.quotation_to, doc.party_name))
		customer = doc.party_name if doc.quotation_to == "Customer" else None
		if doc.opportunity:
			records.append(("Opportunity", doc.opportunity))
	if customer:
		records += records_of_customer(customer)
	rescore(records, *engine.ERP_SIGNALS)


def records_of_customer(customer: str) -> list[tuple[str, str]]:
	"""The Customer, the Lead, Prospect and Opportunity it was made from, its Opportunities and the
	Contacts linked to it."""
	records = [("Customer", customer)]
	made_from = frappe.db.get_value(
		"Customer", customer, ["lead_name", "prospect_name", "opportunity_name"], as_dict=True
	)
	if made_from:
		records += [
			("Lead", made_from.lead_name),
			("Prospect", made_from.prospect_name),
			("Opportunity", made_from.opportunity_name),
		]
	records += [
		("Opportunity", name)
		for name in frappe.get_all(
			"Opportunity", filters={"opportunity_from": "Customer", "party_name": customer}, pluck="name"
		)
	]
	records += [
		("Contact", name)
		for name in frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "link_doctype": "Customer", "link_name": customer},
			pluck="parent",
		)
	]
	return records
