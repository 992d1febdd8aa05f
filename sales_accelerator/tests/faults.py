"""Fault tests: what a crash, a database restart or a mail server that is down does to running
sequences. scripts/run-tests drives them from outside the bench (it kills workers and restarts
MariaDB, so it runs them as root), each step a `bench execute`:

	setup(count)        leads in a sequence: email, a day's wait, email, call (mail server down)
	make_due()          let the day pass: every enrollment is due
	tick()              a scheduler tick in this process, committing as a worker does
	expire_leases()     let the five-minute lease of a dead worker's claims run out
	check()             every enrollment did each step exactly once (raises when not)
	send_queued(times)  Frappe's email queue job, run ``times`` times (each a retry)
	check_mail_failed() every unsent automated email shows as a Failed activity after the retries
	teardown()

Each returns what it did, as JSON for the driver.
"""

import frappe
from frappe.utils import add_to_date, now_datetime

TITLE = "_Fault SA sequence"
PREFIX = "_Fault SA lead"
TEMPLATE = "SA Outbound: Introduction"
ACCOUNT = "_Fault SA outgoing"
SELLER = "Administrator"
STEPS = [
	{"step_id": "first", "step_type": "Automated Email", "email_template": TEMPLATE},
	{"step_id": "wait", "step_type": "Wait", "wait_days": 1},
	{"step_id": "second", "step_type": "Automated Email", "email_template": TEMPLATE},
	{"step_id": "call", "step_type": "Phone Call", "subject": "Call after the second email"},
]


def setup(count: int = 150) -> dict:
	from sales_accelerator.api import connect_in_background

	teardown()
	# the driver runs at the real time of day and lets a day pass: the seller works round the clock
	frappe.db.set_value("User", SELLER, {"sa_work_start": "00:00:00", "sa_work_end": "23:59:59"})
	# the site's outgoing account, down from the start: a port nothing listens on here. Frappe checks
	# the connection when an account is saved, except in tests
	frappe.flags.in_test = True
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": ACCOUNT,
			"email_id": "sa-fault@example.com",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": 9,
			"no_smtp_authentication": 1,
		}
	).insert(ignore_permissions=True)
	frappe.flags.in_test = False
	sequence = frappe.get_doc({"doctype": "Sequence", "title": TITLE, "record_type": "Lead"})
	for step in STEPS:
		sequence.append("steps", step)
	sequence.insert(ignore_permissions=True)
	sequence.activate()
	frappe.flags.in_import = True  # no gravatar look-up for each new address (the network is closed)
	leads = [
		frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": f"{PREFIX} {i}",
				"email_id": f"fault.lead{i}@example.com",
				"status": "Lead",  # an import sets no defaults
			}
		)
		.insert(ignore_permissions=True)
		.name
		for i in range(count)
	]
	frappe.flags.in_import = False
	result = connect_in_background(sequence.name, "Lead", leads, seller=SELLER, inline=True)
	frappe.db.commit()
	return {"sequence": sequence.name, "account": account.name, "leads": len(leads), **result}


def _enrollments() -> list[str]:
	sequence = frappe.db.get_value("Sequence", {"title": TITLE})
	return frappe.get_all("Sequence Enrollment", {"sequence": sequence}, pluck="name") if sequence else []


def make_due() -> dict:
	moved = 0
	for name in _enrollments():
		started, due = frappe.db.get_value("Sequence Enrollment", name, ["step_started", "next_due"])
		frappe.db.set_value(
			"Sequence Enrollment",
			name,
			{"step_started": add_to_date(started, days=-1.01), "next_due": add_to_date(due, days=-1.01)},
			update_modified=False,
		)
		moved += 1
	frappe.db.commit()
	return {"due": moved}


def tick() -> dict:
	from sales_accelerator.tasks import process_due_enrollments

	return {"claimed": process_due_enrollments(batch_size=10, inline=True)}


def expire_leases() -> dict:
	claimed = frappe.get_all(
		"Sequence Enrollment",
		{"name": ["in", _enrollments() or [""]], "claimed_by": ["is", "set"]},
		pluck="name",
	)
	if claimed:
		frappe.db.sql(
			"update `tabSequence Enrollment` set claimed_until=%s where name in %s",
			(add_to_date(now_datetime(), minutes=-1), claimed),
		)
	frappe.db.commit()
	return {"claims_expired": len(claimed)}


def check() -> dict:
	"""Each enrollment sent each email once and opened its call once; none is left behind."""
	names = _enrollments()
	steps = {}
	for step_id, count in frappe.db.sql(
		"""select step_id, count(*) from `tabSequence Activity` where enrollment in %s group by step_id""",
		[names or [""]],
	):
		steps[step_id] = count
	sent = frappe.db.sql(
		"""select count(*) from `tabCommunication` c join `tabLead` l on c.reference_name = l.name
		where c.reference_doctype='Lead' and l.first_name like %s and c.sent_or_received='Sent'""",
		f"{PREFIX}%",
	)[0][0]
	queued = frappe.db.sql(
		"""select count(*) from `tabEmail Queue` q join `tabCommunication` c on q.communication = c.name
		where c.reference_doctype='Lead' and c.reference_name in
		(select name from `tabLead` where first_name like %s)""",
		f"{PREFIX}%",
	)[0][0]
	at_call = frappe.db.count(
		"Sequence Enrollment", {"name": ["in", names or [""]], "current_step": "call", "claimed_by": None}
	)
	result = {"enrollments": len(names), "activities_by_step": steps, "emails": sent, "queued": queued}
	result["at_call"] = at_call
	expected = {"first": len(names), "second": len(names), "call": len(names)}
	if not names or steps != expected or sent != 2 * len(names) or queued != sent or at_call != len(names):
		raise AssertionError(f"lost or done twice: {result}, expected {expected} and {2 * len(names)} emails")
	return result


def send_queued(times: int = 4) -> dict:
	"""Frappe's email queue job, as the scheduler runs it, ``times`` times over these leads' emails
	(each failure is a retry; the last one an Error)."""
	for _ in range(int(times)):
		for name in _queued_emails(("Not Sent", "Partially Sent")):
			queue = frappe.get_doc("Email Queue", name, for_update=True)
			try:
				queue.send()
			except Exception:
				pass  # recorded on the queue row, as Frappe's job does
			frappe.db.commit()
	statuses = dict(
		frappe.db.sql(
			"""select status, count(*) from `tabEmail Queue` where name in %s group by status""",
			[_queued_emails() or [""]],
		)
	)
	return {"email_queue": statuses}


def _queued_emails(statuses: tuple | None = None) -> list[str]:
	leads = frappe.get_all("Lead", {"first_name": ["like", f"{PREFIX}%"]}, pluck="name")
	communications = frappe.get_all(
		"Communication", {"reference_doctype": "Lead", "reference_name": ["in", leads or [""]]}, pluck="name"
	)
	filters = {"communication": ["in", communications or [""]]}
	if statuses:
		filters["status"] = ["in", statuses]
	return frappe.get_all("Email Queue", filters, pluck="name")


def check_mail_failed() -> dict:
	"""After Frappe's retries, every automated email shows as a Failed activity with the error."""
	from sales_accelerator.tasks import reconcile_failed_emails

	marked = reconcile_failed_emails()
	frappe.db.commit()
	names = _enrollments()
	emails = frappe.get_all(
		"Sequence Activity",
		filters={"enrollment": ["in", names or [""]], "step_type": "Automated Email"},
		fields=["status", "error"],
	)
	failed = [e for e in emails if e.status == "Failed" and e.error]
	retries = frappe.db.sql(
		"""select min(q.retry), max(q.retry) from `tabEmail Queue` q join `tabCommunication` c
		on q.communication = c.name where c.reference_name in
		(select name from `tabLead` where first_name like %s)""",
		f"{PREFIX}%",
	)[0]
	result = {"emails": len(emails), "failed": len(failed), "marked": marked, "retries": list(retries)}
	if not emails or len(failed) != len(emails):
		raise AssertionError(f"emails not shown as Failed: {result}")
	return result


def teardown() -> dict:
	frappe.db.set_value("Email Account", {"email_account_name": "_Test SA Outgoing"}, "default_outgoing", 1)
	sequences = frappe.get_all("Sequence", {"title": TITLE}, pluck="name")
	leads = frappe.get_all("Lead", {"first_name": ["like", f"{PREFIX}%"]}, pluck="name")
	communications = frappe.get_all(
		"Communication", {"reference_doctype": "Lead", "reference_name": ["in", leads or [""]]}, pluck="name"
	)
	queues = frappe.get_all("Email Queue", {"communication": ["in", communications or [""]]}, pluck="name")
	for doctype, filters in (
		("Email Queue Recipient", {"parent": ["in", queues or [""]]}),
		("Email Queue", {"name": ["in", queues or [""]]}),
		("Communication Link", {"parent": ["in", communications or [""]]}),
		("Communication", {"name": ["in", communications or [""]]}),
		("ToDo", {"reference_name": ["in", leads or [""]]}),
		("Sequence Activity", {"sequence": ["in", sequences or [""]]}),
		("Sequence Enrollment", {"sequence": ["in", sequences or [""]]}),
		("Sequence Step", {"parent": ["in", sequences or [""]]}),
		("Sequence", {"name": ["in", sequences or [""]]}),
		("Lead", {"name": ["in", leads or [""]]}),
		("Email Account", {"name": ACCOUNT}),
	):
		frappe.db.delete(doctype, filters)
	frappe.db.set_value("User", SELLER, {"sa_work_start": None, "sa_work_end": None})
	frappe.db.commit()
	frappe.clear_document_cache("User", SELLER)
	return {"removed_leads": len(leads)}
