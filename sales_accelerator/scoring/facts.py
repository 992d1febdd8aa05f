"""The events a score counts, found for many records of one type at once (a few queries per kind
of event, whatever the number of records): ``gather(doctype, records, kinds)`` returns, for each
record, when each kind of event happened.

- Email Replied: an email received (Communication) linked to the record, or from its address (as
  ``sequences.enrollment.replied_since`` finds replies; the sender is stored as the bare address or
  as "Name <address>").
- Email Opened: an email sent on the record that its recipient opened (Frappe's read receipt).
- Meeting Booked: an Event, not cancelled, with the record among its participants.
- Call Answered: a sequence's call logged as Answered, or an ERPNext Call Log linked to the record
  with status Completed (the app's own Call Log of an answered call counts once, with its activity).
- Activity Completed: a Completed Sequence Activity on the record that was the seller's to do (the
  system's own automated emails and field updates are not).
- Quotation Submitted / Sales Order Submitted: submitted for the record or its customer (a Quotation
  that was lost does not count); Sales Invoice Overdue: a submitted invoice of its customer with an
  amount outstanding after its due date. A record's customers: a Customer itself; the customers
  made from a Lead or a Prospect; an Opportunity's party (or the customers of its Lead or Prospect)
  and the customer made from it; the customers a Contact is linked to.
"""

from collections import defaultdict

import frappe
from frappe.utils import add_days, getdate, nowdate

from sales_accelerator.engine import scoring as engine
from sales_accelerator.sequences.enrollment import EMAIL_FIELDS

ACTIVITY = "Sequence Activity"
SELLER_STEPS_EXCLUDED = ("Automated Email", "Update Field")


def gather(doctype: str, records: dict[str, dict], kinds: set[str]) -> dict[str, dict[str, list]]:
	"""``{record: {criterion: [moments]}}`` for the event ``kinds`` asked for. ``records`` maps each
	record's name to its values (the email address and an Opportunity's party are read there)."""
	names = list(records)
	found: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
	if not names:
		return found

	def add(kind, rows):
		seen = set()
		for name, event, moment in rows:
			if name in records and (name, event) not in seen and moment:
				seen.add((name, event))
				found[name][kind].append(moment)

	if engine.EMAIL_REPLIED in kinds:
		add(engine.EMAIL_REPLIED, replies(doctype, names, records))
	if engine.EMAIL_OPENED in kinds:
		add(engine.EMAIL_OPENED, opens(doctype, names))
	if engine.MEETING_BOOKED in kinds:
		add(engine.MEETING_BOOKED, meetings(doctype, names))
	if engine.CALL_ANSWERED in kinds:
		add(engine.CALL_ANSWERED, answered_calls(doctype, names))
	if engine.ACTIVITY_COMPLETED in kinds:
		add(engine.ACTIVITY_COMPLETED, completed_activities(doctype, names))
	if kinds & set(engine.ERP_SIGNALS):
		customers = customers_of(doctype, names, records)
		if engine.QUOTATION_SUBMITTED in kinds:
			add(engine.QUOTATION_SUBMITTED, quotations(doctype, names, customers))
		if engine.SALES_ORDER_SUBMITTED in kinds:
			add(engine.SALES_ORDER_SUBMITTED, by_customer("Sales Order", "transaction_date", customers))
		if engine.INVOICE_OVERDUE in kinds:
			add(engine.INVOICE_OVERDUE, overdue_invoices(customers))
	return found


# -- engagement ----------------------------------------------------------------------------------------
def replies(doctype: str, names: list[str], records: dict[str, dict]) -> list[tuple]:
	rows = frappe.db.sql(
		"""select reference_name, name, creation from `tabCommunication`
		where communication_type='Communication' and sent_or_received='Received'
		and reference_doctype=%(doctype)s and reference_name in %(names)s""",
		{"doctype": doctype, "names": names},
	)
	field = EMAIL_FIELDS.get(doctype)
	by_address = defaultdict(list)
	for name, values in records.items():
		address = (values.get(field) or "").strip().lower() if field else ""
		if address:
			by_address[address].append(name)
	if by_address:
		# the address inside "Name <address>", else the sender as it is: one pass over the table
		received = frappe.db.sql(
			"""select lower(substring_index(substring_index(sender, '<', -1), '>', 1)), name, creation
			from `tabCommunication`
			where communication_type='Communication' and sent_or_received='Received'
			and substring_index(substring_index(sender, '<', -1), '>', 1) in %(addresses)s""",
			{"addresses": list(by_address)},
		)
		rows += tuple(
			(name, event, moment)
			for address, event, moment in received
			for name in by_address.get(address.strip(), [])
		)
	return list(rows)


def opens(doctype: str, names: list[str]) -> tuple:
	return frappe.db.sql(
		"""select reference_name, name, ifnull(read_by_recipient_on, modified) from `tabCommunication`
		where reference_doctype=%(doctype)s and reference_name in %(names)s
		and sent_or_received='Sent' and read_by_recipient=1""",
		{"doctype": doctype, "names": names},
	)


def meetings(doctype: str, names: list[str]) -> tuple:
	return frappe.db.sql(
		"""select p.reference_docname, e.name, e.creation from `tabEvent Participants` p
		join `tabEvent` e on e.name = p.parent
		where p.reference_doctype=%(doctype)s and p.reference_docname in %(names)s
		and ifnull(e.status, '') != 'Cancelled'""",
		{"doctype": doctype, "names": names},
	)


def answered_calls(doctype: str, names: list[str]) -> list[tuple]:
	activities = frappe.db.sql(
		f"""select record_name, name, completed_on from `tab{ACTIVITY}`
		where record_type=%(doctype)s and record_name in %(names)s
		and step_type='Phone Call' and status='Completed' and outcome='Answered'""",
		{"doctype": doctype, "names": names},
	)
	if not frappe.db.exists("DocType", "Call Log"):
		return list(activities)
	from sales_accelerator.sequences.calls import call_log_id

	logged = {call_log_id(activity) for _name, activity, _moment in activities}
	logs = frappe.db.sql(
		"""select l.link_name, c.name, ifnull(c.start_time, c.creation) from `tabDynamic Link` l
		join `tabCall Log` c on c.name = l.parent
		where l.parenttype='Call Log' and l.link_doctype=%(doctype)s and l.link_name in %(names)s
		and c.status='Completed'""",
		{"doctype": doctype, "names": names},
	)
	return list(activities) + [row for row in logs if row[1] not in logged]


def completed_activities(doctype: str, names: list[str]) -> tuple:
	return frappe.db.sql(
		f"""select record_name, name, completed_on from `tab{ACTIVITY}`
		where record_type=%(doctype)s and record_name in %(names)s
		and status='Completed' and step_type not in %(excluded)s""",
		{"doctype": doctype, "names": names, "excluded": SELLER_STEPS_EXCLUDED},
	)


# -- ERP signals ---------------------------------------------------------------------------------------
def customers_of(doctype: str, names: list[str], records: dict[str, dict]) -> dict[str, set[str]]:
	"""``{record: {customer, ...}}``: the customers each record stands for (see the module)."""
	customers: dict[str, set[str]] = defaultdict(set)
	if doctype == "Customer":
		for name in names:
			customers[name].add(name)
		return customers
	if doctype == "Contact":
		for contact, customer in frappe.db.sql(
			"""select parent, link_name from `tabDynamic Link`
			where parenttype='Contact' and link_doctype='Customer' and parent in %(names)s""",
			{"names": names},
		):
			customers[contact].add(customer)
		return customers

	made_from = {"Lead": "lead_name", "Prospect": "prospect_name", "Opportunity": "opportunity_name"}

	def made_of(source: str, sources: list[str]) -> list[tuple]:
		if not sources:
			return []
		field = made_from[source]
		return frappe.db.sql(
			f"select `{field}`, name from `tabCustomer` where `{field}` in %(sources)s",
			{"sources": sources},
		)

	for source, customer in made_of(doctype, names):
		customers[source].add(customer)
	if doctype == "Opportunity":
		parties = defaultdict(list)  # (party type, party) -> opportunities
		for name in names:
			values = records[name]
			if values.get("opportunity_from") and values.get("party_name"):
				parties[(values.get("opportunity_from"), values.get("party_name"))].append(name)
		for (party_type, party), opportunities in parties.items():
			if party_type == "Customer":
				for opportunity in opportunities:
					customers[opportunity].add(party)
		for source in ("Lead", "Prospect"):
			sources = [party for party_type, party in parties if party_type == source]
			for party, customer in made_of(source, sources):
				for opportunity in parties[(source, party)]:
					customers[opportunity].add(customer)
	return customers


def quotations(doctype: str, names: list[str], customers: dict[str, set[str]]) -> list[tuple]:
	"""Submitted quotations (not lost) to the record itself, its customers or (an Opportunity) made
	from it."""
	by_party = defaultdict(set)  # (quotation_to, party_name) -> records
	for name in names:
		if doctype in ("Lead", "Customer", "Prospect"):
			by_party[(doctype, name)].add(name)
		for customer in customers.get(name, ()):
			by_party[("Customer", customer)].add(name)
	conditions, values = [], {}
	for index, party_type in enumerate({party_type for party_type, _party in by_party}):
		parties = [party for kind, party in by_party if kind == party_type]
		conditions.append(f"(quotation_to=%(type{index})s and party_name in %(parties{index})s)")
		values.update({f"type{index}": party_type, f"parties{index}": parties})
	if doctype == "Opportunity":
		conditions.append("opportunity in %(opportunities)s")
		values["opportunities"] = names
	if not conditions:
		return []
	rows = frappe.db.sql(
		f"""select quotation_to, party_name, opportunity, name, transaction_date from `tabQuotation`
		where docstatus=1 and status != 'Lost' and ({" or ".join(conditions)})""",
		values,
	)
	found = []
	for party_type, party, opportunity, quotation, moment in rows:
		records = set(by_party.get((party_type, party), ()))
		if doctype == "Opportunity" and opportunity in names:
			records.add(opportunity)
		found += [(record, quotation, engine.seconds(moment)) for record in records]
	return found


def by_customer(doctype: str, date_field: str, customers: dict[str, set[str]], where: str = "", **values):
	"""Submitted documents of ``doctype`` for the records' customers: (record, document, moment)."""
	records_of = defaultdict(set)
	for record, found in customers.items():
		for customer in found:
			records_of[customer].add(record)
	if not records_of:
		return []
	rows = frappe.db.sql(
		f"""select customer, name, `{date_field}` from `tab{doctype}`
		where docstatus=1 and customer in %(customers)s {where}""",
		{"customers": list(records_of), **values},
	)
	return [
		(record, document, engine.seconds(moment))
		for customer, document, moment in rows
		for record in records_of[customer]
	]


def overdue_invoices(customers: dict[str, set[str]]) -> list[tuple]:
	"""Invoices with an amount outstanding after their due date: overdue since the day after."""
	rows = by_customer(
		"Sales Invoice",
		"due_date",
		customers,
		"and is_return=0 and outstanding_amount > 0 and due_date < %(today)s",
		today=nowdate(),
	)
	return [(record, invoice, engine.seconds(getdate(add_days(due, 1)))) for record, invoice, due in rows]
