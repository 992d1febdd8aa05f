"""Running sequences on records: connect, process due steps exactly once, exit, disconnect.

The engine (``sales_accelerator.engine.runner``) decides; this module loads, locks, claims and
writes. Every activity, email and field update is a Sequence Activity keyed by
``enrollment|step|attempt`` (a unique column), so a retried or duplicated job never does a step's
work twice.
"""

import json

import frappe
from frappe import _
from frappe.utils import cstr, get_datetime, get_system_timezone, get_time, now_datetime, strip_html
from frappe.utils.caching import request_cache
from frappe.utils.data import escape_html

from sales_accelerator.controllers.sequence import DEFINITION_FIELDS, TAG_FIELD, step_dicts
from sales_accelerator.engine import runner
from sales_accelerator.engine import sequence as seq
from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES, field_update_refusal, is_web_link
from sales_accelerator.engine.reminders import remind_at
from sales_accelerator.utils import bold, insert_todo

ENROLLMENT = "Sequence Enrollment"
ACTIVITY = "Sequence Activity"
LEASE_MINUTES = 5
RETRY_MINUTES = 5
EMAIL_FIELDS = {
	"Lead": "email_id",
	"Contact": "email_id",
	"Opportunity": "contact_email",
	"Customer": "email_id",
	"Prospect": None,
}
LINKEDIN_FIELDS = ("linkedin", "linkedin_profile", "linkedin_url")


# -- connecting ---------------------------------------------------------------------------------------
def active_sequence(sequence_name: str, doctype: str):
	"""The sequence records of ``doctype`` may be connected to: active, and for that record type."""
	sequence = frappe.get_doc("Sequence", sequence_name)
	if sequence.status != "Active":
		frappe.throw(_("Sequence {0} is not active; activate it first.").format(bold(sequence.title)))
	if sequence.record_type != doctype:
		frappe.throw(
			_("Sequence {0} is for {1}, not {2}.").format(
				bold(sequence.title), _(sequence.record_type), _(doctype)
			)
		)
	return sequence


def connect(sequence_name: str, doctype: str, names: list[str], seller: str | None = None) -> list[str]:
	"""Enroll each record and run its first steps now; returns the enrollment names. Refuses records
	already enrolled."""
	sequence = active_sequence(sequence_name, doctype)
	snapshot = snapshot_of(sequence)
	seller = seller or frappe.session.user
	writes = runner.has_field_updates(step_dicts(sequence.steps))
	now = now_datetime()
	enrollments = []
	for name in names:
		if writes:
			check_may_update(sequence, doctype, name, seller)
		running = running_enrollment(doctype, name)
		if running:
			frappe.throw(
				_("{0} {1} is already in sequence {2}. Disconnect it first.").format(
					_(doctype),
					bold(name),
					bold(frappe.db.get_value("Sequence", running.sequence, "title")),
				),
				frappe.DuplicateEntryError,
				title=_("Already Connected"),
			)
		enrollment = frappe.get_doc(
			new_enrollment(sequence, doctype, name, record_title(doctype, name), seller, snapshot, now)
		)
		enrollment.flags.sequence = sequence  # its snapshot is checked against this, not reloaded
		enrollment.flags.snapshot = snapshot
		enrollment.insert(ignore_permissions=True)
		process_enrollment(enrollment.name)
		enrollments.append(enrollment.name)
	return enrollments


def new_enrollment(sequence, doctype: str, name: str, title: str, seller: str, snapshot: str, now) -> dict:
	"""A new enrollment of record ``name``, due at once on the sequence's first step."""
	first = sequence.steps[0]
	return {
		"doctype": ENROLLMENT,
		"sequence": sequence.name,
		"record_type": doctype,
		"record_name": name,
		"record_title": title,
		"current_step": first.step_id,
		"current_step_label": step_label(first),
		"seller": seller,
		"status": "Active",
		"step_started": now,
		"next_due": now,
		"started_on": now,
		"steps_snapshot": snapshot,
		"active_record_key": f"{doctype}|{name}",
	}


def enroll_many(sequence, doctype: str, names: list[str], seller: str) -> tuple[int, list[str]]:
	"""Enroll, in one insert, the records of ``names`` that the user may read (and the seller may
	edit, when the sequence updates fields) and that are in no sequence. Their first steps are due at
	once: the runner's workers take them. Returns how many were enrolled and the refusals, each
	"record: why"."""
	permitted = set(
		frappe.get_list(doctype, filters={"name": ["in", names]}, pluck="name", limit_page_length=0)
	)
	refused = [_("{0}: not found, or not permitted").format(name) for name in names if name not in permitted]
	keys = [f"{doctype}|{name}" for name in names if name in permitted]
	running = dict(
		frappe.db.sql(
			f"""select e.record_name, s.title from `tab{ENROLLMENT}` e join `tabSequence` s on s.name = e.sequence
			where e.active_record_key in %(keys)s""",
			{"keys": keys},
		)
		if keys
		else ()
	)
	refused += [_("{0}: already in sequence {1}").format(name, title) for name, title in running.items()]
	chosen = [name for name in names if name in permitted and name not in running]
	if chosen and runner.has_field_updates(step_dicts(sequence.steps)):
		may_edit = {name for name in chosen if frappe.has_permission(doctype, "write", name, user=seller)}
		refused += [
			_("{0}: the sequence updates its fields, and {1} may not edit it").format(n, seller)
			for n in chosen
			if n not in may_edit
		]
		chosen = [name for name in chosen if name in may_edit]
	if not chosen:
		return 0, refused
	title_field = frappe.get_meta(doctype).get_title_field()
	titles = (
		dict(
			frappe.get_all(
				doctype, filters={"name": ["in", chosen]}, fields=["name", title_field], as_list=True
			)
		)
		if title_field != "name"
		else {}
	)
	snapshot, now, user = snapshot_of(sequence), now_datetime(), frappe.session.user
	rows = []
	for name in chosen:
		row = new_enrollment(sequence, doctype, name, titles.get(name) or name, seller, snapshot, now)
		row.update(
			name=frappe.generate_hash(length=10), creation=now, modified=now, owner=user, modified_by=user
		)
		del row["doctype"]
		rows.append(row)
	fields = list(rows[0])
	frappe.db.savepoint("sa_enroll_many")
	try:
		frappe.db.bulk_insert(ENROLLMENT, fields, [tuple(row.values()) for row in rows])
		return len(rows), refused
	except Exception as e:
		if not frappe.db.is_duplicate_entry(e):
			raise
		frappe.db.rollback(save_point="sa_enroll_many")
	# someone connected one of them meanwhile: one by one, each refused alone
	enrolled = 0
	for row in rows:
		frappe.db.savepoint("sa_enroll_many")
		try:
			frappe.db.bulk_insert(ENROLLMENT, fields, [tuple(row.values())])
			enrolled += 1
		except Exception as e:
			if not frappe.db.is_duplicate_entry(e):
				raise
			frappe.db.rollback(save_point="sa_enroll_many")
			refused.append(_("{0}: already in a sequence").format(row["record_name"]))
	return enrolled, refused


def check_may_update(sequence, doctype: str, name: str, seller: str):
	"""A sequence that updates its records' fields runs only on records its seller may edit."""
	if not frappe.has_permission(doctype, "write", name, user=seller):
		frappe.throw(
			_(
				"Sequence {0} updates the fields of the records it runs on, and {1} may not edit {2} {3}."
			).format(bold(sequence.title), bold(seller), _(doctype), bold(name)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def step_label(step) -> str:
	"""How the Up next panel names a step: its subject, else its condition, else its kind."""
	return step.get("subject") or step.get("condition") or _(step.get("step_type"))


def snapshot_of(sequence) -> str:
	"""The sequence as an enrollment keeps it: its steps and settings when the record was connected."""
	return json.dumps(
		{"steps": step_dicts(sequence.steps), "settings": {f: sequence.get(f) for f in DEFINITION_FIELDS}},
		default=str,
	)


def record_title(doctype: str, name: str) -> str:
	"""What people call the record: its title field's value, else its name."""
	title_field = frappe.get_meta(doctype).get_title_field()
	return (frappe.db.get_value(doctype, name, title_field) if title_field != "name" else None) or name


def running_enrollment(doctype: str, name: str):
	return frappe.db.get_value(
		ENROLLMENT,
		{"active_record_key": f"{doctype}|{name}"},
		["name", "sequence", "status", "seller"],
		as_dict=True,
	)


# -- running -----------------------------------------------------------------------------------------
def process_enrollment(name: str, token: str | None = None, now=None) -> bool:
	"""Carry the enrollment forward as far as it can go now. Returns False if it was not ours to run.

	Locks the enrollment row for the transaction. With ``token`` it runs only while the batch that
	claimed it still holds the claim; without, it runs unless another worker's claim is live.
	"""
	now = get_datetime(now) if now else now_datetime()
	row = frappe.db.sql(f"select * from `tab{ENROLLMENT}` where name=%s for update", name, as_dict=True)
	if not row or row[0].status != "Active":
		return False
	claim = row[0]
	if token and claim.claimed_by != token:
		return False
	if not token and claim.claimed_by and claim.claimed_until and get_datetime(claim.claimed_until) > now:
		# a worker is on it: ask it to look again as soon as it can
		frappe.db.set_value(ENROLLMENT, name, "next_due", now, update_modified=False)
		return False

	doc = frappe.get_doc({"doctype": ENROLLMENT, **claim})  # the locked row, without reading it again
	run = Run(doc, now)
	run.forward()
	doc.claimed_by = None
	doc.claimed_until = None
	# run state only, nothing for validations or hooks to check: the columns the run changed
	changed = {field: doc.get(field) for field, value in claim.items() if doc.get(field) != value}
	if changed:
		frappe.db.set_value(ENROLLMENT, name, changed, update_modified=False)
	return True


class Run:
	"""One pass of an enrollment through the steps that are due."""

	def __init__(self, doc, now):
		self.doc = doc
		self.now = now
		snapshot = json.loads(doc.steps_snapshot)
		self.steps = snapshot["steps"]
		self.settings = snapshot["settings"]
		self.by_id = {s["step_id"]: s for s in self.steps}
		self.calendar = calendar_for(self.settings, doc.seller)

	def forward(self):
		# once per pass, before its steps: a pass runs under the row lock in a moment, and a record its
		# own Update Field step closed (a "disqualify" step) finishes that pass as the sequence says
		if self.exited():
			return
		for _turn in range(len(self.steps) * 3 + 3):  # each step is visited at most once per path
			step = self.by_id[self.doc.current_step]
			decision = runner.decide(self.steps, step["step_id"], self.facts(step), self.calendar)
			if decision.action == runner.ADVANCE:
				if not self.move(decision.next_step, decision.branch):
					return
			elif decision.action == runner.MAKE_ACTIVITY:
				if make_activity(self.doc, step, self.now, self.calendar.due(self.now)):
					self.doc.next_due = None  # just opened: the seller acts next
					return
			elif decision.action in (runner.SEND_EMAIL, runner.UPDATE_RECORD):
				effect = send_email if decision.action == runner.SEND_EMAIL else update_record
				if effect(self.doc, step, self.now) and not self.move(
					runner.follow(self.steps, step["step_id"]), None
				):
					return
			elif decision.action == runner.WAIT_UNTIL:
				self.doc.next_due = decision.due
				return
			else:  # WAIT_FOR_SELLER
				self.doc.next_due = None
				return

	def exited(self) -> bool:
		"""End the enrollment if its record is gone, or closed (converted, lost, disabled...) and the
		sequence exits on close: ERPNext closes records with ``db_set`` too, which fires no hook.
		An enrollment on a record type the app does not run on (only ever written straight into the
		table) fails without doing anything."""
		if self.doc.record_type not in CUSTOMER_FACING_DOCTYPES:
			reason = _("Sequences do not run on {0} records.").format(_(self.doc.record_type))
			end(self.doc, "Failed", reason, self.now)
			return True
		fields = runner.closing_fields(self.doc.record_type) if self.settings.get("exit_on_close") else []
		values = frappe.db.get_value(
			self.doc.record_type, self.doc.record_name, ["name", *fields], as_dict=True
		)
		if not values:
			end(self.doc, "Exited", _("The record was deleted"), self.now)
			return True
		found = runner.closed_reason(self.doc.record_type, values) if fields else None
		if found:
			reason, value = found
			end(self.doc, "Exited", _(reason).format(_(str(value))), self.now)
			return True
		return False

	def move(self, next_step: str | None, branch: str | None) -> bool:
		taken = f"{self.doc.current_step}:{branch}" if branch else self.doc.current_step
		self.doc.path_taken = ", ".join(filter(None, [self.doc.path_taken, taken]))
		if not next_step:
			end(self.doc, "Completed", None, self.now)
			return False
		step = self.by_id[next_step]
		self.doc.current_step = next_step
		self.doc.current_step_label = step_label(step)
		self.doc.step_started = self.now
		self.doc.next_due = self.now
		return True

	def facts(self, step) -> runner.Facts:
		kind = step["step_type"]
		values = {"now": self.now, "step_started": get_datetime(self.doc.step_started)}
		if kind in seq.ACTIVITY_TYPES or kind == seq.UPDATE_FIELD:
			found = frappe.db.sql(
				f"select status from `tab{ACTIVITY}` where activity_key=%s", activity_key(self.doc, step)
			)
			status = found[0][0] if found else None
			values["activity_status"] = status
			values["effect_done"] = status is not None
		elif kind == seq.CONDITION:
			values["condition_met"], values["condition_failed"] = condition_state(self.doc, self.steps, step)
		elif kind == seq.COMMAND:
			values["field_value"] = frappe.db.get_value(
				self.doc.record_type, self.doc.record_name, step["field_name"]
			)
		return runner.Facts(**values)


def calendar_for(settings: dict, seller: str) -> runner.Calendar:
	holidays = frozenset()
	if settings.get("business_days_only"):
		holiday_list = settings.get("holiday_list") or default_holiday_list()
		if holiday_list:
			holidays = holiday_dates(holiday_list)
	day_start, day_end = working_hours(seller)
	return runner.Calendar(
		business_days=bool(settings.get("business_days_only")),
		holidays=holidays,
		system_tz=get_system_timezone(),
		user_tz=frappe.get_cached_value("User", seller, "time_zone") or None,
		day_start=day_start,
		day_end=day_end,
	)


def working_hours(user: str) -> tuple:
	"""The seller's working hours (start, end) in their time zone: their own (User > Working Hours),
	else the site's (Sales Accelerator Settings), else 09:00 to 17:00."""
	from sales_accelerator.setup.install import WORK_END_FIELD, WORK_START_FIELD

	own = frappe.get_cached_value("User", user, [WORK_START_FIELD, WORK_END_FIELD]) or (None, None)
	if None not in own and "" not in own:  # 00:00 is a start, though a false one
		return get_time(own[0]), get_time(own[1])
	from sales_accelerator.setup.install import WORKING_HOURS

	settings = frappe.get_cached_doc("Sales Accelerator Settings")
	return (
		get_time(settings.work_day_start or WORKING_HOURS["work_day_start"]),
		get_time(settings.work_day_end or WORKING_HOURS["work_day_end"]),
	)


@request_cache
def holiday_dates(holiday_list: str) -> frozenset:
	"""The days off of a Holiday List (read once per request or job)."""
	return frozenset(
		get_datetime(d).date()
		for d in frappe.get_all("Holiday", filters={"parent": holiday_list}, pluck="holiday_date")
	)


def default_holiday_list() -> str | None:
	company = frappe.defaults.get_global_default("company")
	return frappe.get_cached_value("Company", company, "default_holiday_list") if company else None


def activity_key(doc, step, attempt: int = 1) -> str:
	return f"{doc.name}|{step['step_id']}|{attempt}"


def new_activity(doc, step, now, **values):
	"""Insert the step's Sequence Activity; None if another run already made it (exactly once)."""
	values = {"due": now, **values}
	for_seller = step["step_type"] in seq.ACTIVITY_TYPES and step["step_type"] != seq.AUTOMATED_EMAIL
	reminder = reminder_for(doc.seller) if for_seller else None
	activity = frappe.get_doc(
		{
			"doctype": ACTIVITY,
			"activity_key": activity_key(doc, step),
			"reminder": reminder,
			"remind_at": remind_at(values["due"], reminder),
			# the seller hears of it within the minute (see notices.py), unless they caused it
			"notify_seller": int(for_seller and doc.seller != frappe.session.user),
			"enrollment": doc.name,
			"sequence": doc.sequence,
			"step_id": step["step_id"],
			"step_type": step["step_type"],
			"subject": step.get("subject") or _(step["step_type"]),
			"description": step.get("description"),
			"email_template": step.get("email_template"),
			"record_type": doc.record_type,
			"record_name": doc.record_name,
			"seller": doc.seller,
			"status": "Open",
			**values,
		}
	)
	activity.flags.ignore_links = True  # every link was set from the enrollment, which checked them
	try:
		activity.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		if frappe.db.exists(ACTIVITY, {"activity_key": activity.activity_key}):
			return None  # another run did this step already
		raise
	return activity


def make_activity(doc, step, now, due) -> bool:
	"""A seller's activity with its ToDo, due by the end of their working day (a meeting, once booked
	with the customer, when it starts: see ``meetings.book``). False if another run made it already.
	The ToDo's name is chosen first, so that the activity is written once, already pointing at it."""
	link = linkedin_link(doc) if step["step_type"].startswith("LinkedIn") else None
	todo = frappe.generate_hash(length=10)  # as ToDo names itself
	activity = new_activity(doc, step, now, link=link, due=due, reference_doctype="ToDo", reference_name=todo)
	if not activity:
		return False
	description = "\n".join(
		filter(None, [f"{activity.subject}: {doc.record_title}", step.get("description"), link])
	)
	insert_todo(
		{
			"allocated_to": doc.seller,
			"reference_type": doc.record_type,
			"reference_name": doc.record_name,
			"description": escape_html(description).replace("\n", "<br>"),
			"date": due.date(),
			"assigned_by": doc.owner if user_exists(doc.owner) else None,
			"priority": "Medium",
		},
		name=todo,
	)
	return True


@request_cache
def user_exists(user: str) -> bool:
	"""Whether ``user`` is a User (asked once per request or job)."""
	return bool(frappe.db.exists("User", user))


def reminder_for(user: str) -> str | None:
	"""The seller's own reminder choice, else the site's default."""
	from sales_accelerator.setup.install import REMINDER_FIELD

	return (
		frappe.get_cached_value("User", user, REMINDER_FIELD)
		or frappe.get_cached_doc("Sales Accelerator Settings").default_reminder
	)


def linkedin_link(doc) -> str:
	meta = frappe.get_meta(doc.record_type)
	for field in LINKEDIN_FIELDS:
		if meta.has_field(field):
			value = (frappe.db.get_value(doc.record_type, doc.record_name, field) or "").strip()
			if is_web_link(value):
				return value
	from urllib.parse import quote_plus

	return f"https://www.linkedin.com/search/results/people/?keywords={quote_plus(cstr(doc.record_title))}"


def run_once(doc, step, now, effect) -> bool:
	"""Do a step's effect exactly once, recorded as its activity: Completed (with the fields the
	effect returns) or Failed with the error, and the sequence goes on either way. False if another
	run did it already."""
	activity = new_activity(doc, step, now)
	if not activity:
		return False
	frappe.db.savepoint("sa_step_effect")
	try:
		done = effect() or {}
		activity.db_set({"status": "Completed", "completed_on": now, **done}, update_modified=False)
	except Exception as e:
		frappe.db.rollback(save_point="sa_step_effect")
		activity.db_set({"status": "Failed", "error": strip_html(cstr(e))[:1000]}, update_modified=False)
	return True


def send_email(doc, step, now) -> bool:
	"""Send the step's Email Template, filled with the record's fields, to the record's address."""
	from sales_accelerator.integrations.email import email_context, send_template_email

	def send():
		recipient = record_email(doc)
		if not recipient:
			raise frappe.ValidationError(
				_("{0} {1} has no email address.").format(_(doc.record_type), doc.record_name)
			)
		communication = send_template_email(
			frappe.get_doc(doc.record_type, doc.record_name),
			step["email_template"],
			[recipient],
			sender=frappe.db.get_value("User", doc.seller, "email"),
			context=email_context(doc.seller, doc.sequence),
		)
		return {"reference_doctype": "Communication", "reference_name": communication}

	return run_once(doc, step, now, send)


def complete_email_activity(communication) -> str | None:
	"""An email sent to a connected record (from Up next's "Write email" or any composer) is the
	seller's Email step done: its oldest open Email activity is completed by it, and opens and
	replies are tracked on that Communication. Returns the activity's name."""
	if not (communication.reference_doctype and communication.reference_name):
		return None
	running = running_enrollment(communication.reference_doctype, communication.reference_name)
	if not running:
		return None
	found = frappe.get_all(
		ACTIVITY,
		filters={"enrollment": running.name, "status": "Open", "step_type": "Email"},
		fields=["name", "reference_doctype", "reference_name"],
		order_by="due asc, creation asc",
		limit=1,
	)
	if not found:
		return None
	activity = found[0]
	close_made_record(activity, "Closed")
	frappe.db.set_value(
		ACTIVITY,
		activity.name,
		{
			"status": "Completed",
			"completed_on": now_datetime(),
			"reference_doctype": "Communication",
			"reference_name": communication.name,
		},
		update_modified=False,
	)
	process_enrollment(running.name)
	return activity.name


def fail_sent_email(activity: str, error: str | None):
	"""An automated email Frappe finally could not send (after its retries): its activity is Failed."""
	frappe.db.set_value(
		ACTIVITY,
		activity,
		{"status": "Failed", "error": runner.error_summary(error) or _("The email could not be sent.")},
		update_modified=False,
	)


def record_email(doc) -> str | None:
	field = EMAIL_FIELDS.get(doc.record_type)
	return frappe.db.get_value(doc.record_type, doc.record_name, field) if field else None


def update_record(doc, step, now) -> bool:
	"""Change the record through the document API, so its validations and our rules run, with no
	more rights than the enrollment's seller has (checked now, not only when it was connected)."""

	def update():
		frappe.flags.sa_updating_enrollment = doc.name
		try:
			record = frappe.get_doc(doc.record_type, doc.record_name)
			check_field_update(record, step["field_name"], doc.seller)
			if step["field_name"] == TAG_FIELD:
				record.add_tag(step["value"])
			else:
				record.set(step["field_name"], step["value"])
				record.flags.sa_set_fields = {step["field_name"]}  # set now, even to the value it had
				record.save(ignore_permissions=True)
		finally:
			frappe.flags.sa_updating_enrollment = None

	return run_once(doc, step, now, update)


def check_field_update(record, fieldname: str, seller: str):
	"""Refuse a field update the seller could not make themselves: a record type the app does not
	run on, a record they may not edit, or a field that is a password, a table or above level 0."""
	if record.doctype not in CUSTOMER_FACING_DOCTYPES:
		frappe.throw(
			_("Sequences do not update {0} records.").format(_(record.doctype)), frappe.PermissionError
		)
	if not frappe.has_permission(record.doctype, "write", record, user=seller):
		frappe.throw(
			_("{0} may not edit {1} {2}, so the sequence cannot update its {3}.").format(
				bold(seller), _(record.doctype), bold(record.name), bold(fieldname)
			),
			frappe.PermissionError,
		)
	if fieldname == TAG_FIELD:
		return
	field = record.meta.get_field(fieldname)
	refusal = field_update_refusal(field.fieldtype, field.permlevel) if field else "unknown"
	if refusal:
		frappe.throw(
			_("A sequence may not update the field {0} of {1}.").format(bold(fieldname), _(record.doctype)),
			frappe.PermissionError,
		)


# -- conditions --------------------------------------------------------------------------------------
def condition_state(doc, steps, step) -> tuple[bool, bool]:
	"""(met, failed): whether the condition happened, and whether it is already known it will not
	(a call logged with another outcome than Answered; an activity skipped, cancelled or failed)."""
	subject_id = runner.condition_subject(steps, step["step_id"])
	subject = (
		frappe.db.get_value(
			ACTIVITY,
			{"activity_key": activity_key(doc, {"step_id": subject_id})},
			["name", "status", "outcome", "creation", "reference_doctype", "reference_name"],
			as_dict=True,
		)
		if subject_id
		else None
	)
	met = condition_met(doc, step.get("condition"), subject)
	if met or step.get("condition") not in ("Call Answered", "Activity Completed"):
		return met, False
	return False, bool(subject and subject.status in ("Completed", "Skipped", "Cancelled", "Failed"))


def condition_met(doc, kind: str | None, subject) -> bool:
	"""Whether the condition happened; ``subject`` is the activity it is about (or None)."""
	since = subject.creation if subject else doc.step_started
	if kind == "Email Replied":
		return replied_since(doc, since)
	if kind == "Email Opened":
		return bool(
			subject
			and subject.reference_doctype == "Communication"
			and frappe.db.get_value("Communication", subject.reference_name, "read_by_recipient")
		)
	if kind == "Call Answered":
		return bool(subject and subject.outcome == "Answered")
	if kind == "Meeting Booked":
		return bool(
			frappe.db.sql(
				"""select 1 from `tabEvent Participants` p join `tabEvent` e on e.name = p.parent
				where p.reference_doctype=%s and p.reference_docname=%s and e.creation >= %s
				and ifnull(e.status, '') != 'Cancelled' limit 1""",
				(doc.record_type, doc.record_name, since),
			)
		)
	if kind == "Activity Completed":
		return bool(subject and subject.status == "Completed")
	return False  # Link Clicked: Frappe does not track link clicks; the time-out takes the No branch


def replied_since(doc, since) -> bool:
	"""An email received from the record (linked to it, or from its address) since ``since``."""
	email = (record_email(doc) or "").strip()
	linked = frappe.db.sql(
		"""select 1 from `tabCommunication`
		where communication_type='Communication' and sent_or_received='Received' and creation >= %s
		and reference_doctype=%s and reference_name=%s limit 1""",
		(since, doc.record_type, doc.record_name),
	)
	if linked or not email:
		return bool(linked)
	# the sender is stored as the bare address or as "Name <address>": match the address exactly
	return bool(
		frappe.db.sql(
			"""select 1 from `tabCommunication`
			where communication_type='Communication' and sent_or_received='Received' and creation >= %s
			and (sender=%s or sender like %s) limit 1""",
			(since, email, f"%<{escape_like(email)}>"),
		)
	)


def escape_like(text: str) -> str:
	"""``text`` matched literally by LIKE (``_`` and ``%`` are wildcards there)."""
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def note_first(name: str, field: str):
	"""Record when the enrollment's person first replied, or first had a meeting booked (for the
	sequence reports), keeping the first time."""
	frappe.db.sql(
		f"update `tab{ENROLLMENT}` set `{field}` = %s where name = %s and `{field}` is null",
		(now_datetime(), name),
	)


# -- ending ------------------------------------------------------------------------------------------
def end(doc, status: str, reason: str | None, now=None):
	"""Stop the enrollment: record why, free the record for another sequence, cancel open work."""
	doc.status = status
	doc.exit_reason = reason
	doc.ended_on = now or now_datetime()
	doc.next_due = None
	doc.active_record_key = None
	for activity in frappe.get_all(
		ACTIVITY,
		filters={"enrollment": doc.name, "status": "Open"},
		fields=["name", "reference_doctype", "reference_name"],
	):
		frappe.db.set_value(ACTIVITY, activity.name, "status", "Cancelled", update_modified=False)
		close_made_record(activity, "Cancelled")


def close_made_record(activity, status: str):
	if activity.reference_doctype == "ToDo" and activity.reference_name:
		todo = frappe.get_doc("ToDo", activity.reference_name)
		if todo.status == "Open":
			todo.status = status
			todo.save(ignore_permissions=True)


def stop(doctype: str, name: str, status: str, reason: str, only_if: str | None = None) -> list[str]:
	"""End the record's running enrollment (if its sequence says ``only_if``, when given)."""
	running = running_enrollment(doctype, name)
	if not running:
		return []
	if frappe.flags.sa_updating_enrollment == running.name:
		return []  # the sequence itself is changing the record (e.g. its "disqualify" step)
	# lock the row and read it again: a worker may have run it since (it holds the lock meanwhile)
	doc = frappe.get_doc(ENROLLMENT, running.name, for_update=True)
	if doc.status != "Active":
		return []
	if only_if and not (json.loads(doc.steps_snapshot or "{}").get("settings") or {}).get(only_if):
		return []
	end(doc, status, reason)
	doc.save(ignore_permissions=True)
	return [doc.name]
