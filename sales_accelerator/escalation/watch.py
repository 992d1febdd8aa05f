"""Escalation Rules at work: find the items, keep each one's state, run each level exactly once.

**Finding due items cheaply.** Every item a rule watches has one Escalation Watch row, named after
the rule and the item, holding the levels done so far and when to look at the item next
(``next_at``). A tick asks one question of that table on its (status, next_at) index, the rows
Watching whose ``next_at`` has come, however many items are watched.

New and changed items are found on the ``modified`` index of their own table: each tick reads the
records of the rule's document type changed since the rule last looked (``discovered_until``, with
an overlap of a few minutes for transactions that commit late) that match the rule's filters, at
most ``DISCOVER_LIMIT`` per tick (then it goes on from the last one, name by name). A new item is
watched from the earliest moment its warning or first level can come: its measured moment plus the
overdue hours less the warning, in clock hours (working hours only ever make it later). A changed
item that is watched already is looked at again at once: its due time may have moved, it may match
the rule again after it stopped. So an item that falls due is acted on by the first tick after, and
nothing is scanned that has not changed or fallen due.

**Exactly once.** Due rows are claimed like due enrollments (``tasks.claim_batch``): picked with
``SKIP LOCKED``, leased to a token, handed to RQ jobs; each row is processed in its own transaction
while locked, and each level is an Escalation Log with a unique key of watch and level. Two ticks,
two workers or a retried job never escalate an item twice at one level; a worker that dies leaves
its claims to expire and the next tick takes them.
"""

import hashlib
import json

import frappe
from frappe import _
from frappe.utils import add_to_date, format_datetime, get_datetime, now_datetime

from sales_accelerator.claims import claim_due, dispatch, run_claimed
from sales_accelerator.engine import escalation as engine
from sales_accelerator.engine.automation import parse_filters
from sales_accelerator.escalation import items
from sales_accelerator.utils import bold

RULE = "Escalation Rule"
LOG = "Escalation Log"
WATCH = "Escalation Watch"

BATCH_SIZE = 100
MAX_BATCHES = 100
DISCOVER_LIMIT = 10_000
OVERLAP_MINUTES = 5
LEASE_MINUTES = 5
RETRY_MINUTES = 30
DISCOVERY_FIELDS = (
	"name",
	"document_type",
	"filters",
	"measure_from",
	"due_field",
	"overdue_hours",
	"warn_hours_before",
	"working_hours_only",
	"discovered_until",
	"discovered_after",
)


NEW_WATCH = {"status": "Watching", "level": 0, "warned": 0, "escalated_to": "[]", "owner": "Administrator"}
NEW_WATCH_FIELDS = [
	"name", "rule", "document_type", "document_name", "next_at", "seen_modified", "creation", "modified",
	*NEW_WATCH,
]  # fmt: skip


def new_watch(**values) -> tuple:
	"""A new watch row for ``bulk_insert``, in the order of ``NEW_WATCH_FIELDS``."""
	values = {**NEW_WATCH, **values}
	return tuple(values[field] for field in NEW_WATCH_FIELDS)


def watch_name(rule: str, doctype: str, name: str) -> str:
	return hashlib.sha1(f"{rule}\n{doctype}\n{name}".encode()).hexdigest()


# -- the tick ---------------------------------------------------------------------------------------------
def run(
	batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES, inline: bool = False, commit: bool = True
):
	"""Find the new and changed items of every enabled rule, then claim the watched items that are
	due and process them in batches: in RQ jobs, or here with ``inline`` (tests, benchmarks; without
	``commit`` each item runs in a savepoint of the caller's transaction). Returns how many items
	were newly watched and how many were claimed."""
	watched = 0
	for rule in frappe.get_all(RULE, filters={"enabled": 1}, fields=list(DISCOVERY_FIELDS), order_by="name"):
		frappe.db.savepoint("sa_escalation_discover")
		try:
			watched += discover(rule)
		except Exception:
			frappe.db.rollback(save_point="sa_escalation_discover")
			frappe.log_error(title=f"Escalation Rule {rule.name} could not look for items")
		if commit:
			frappe.db.commit()

	claimed = dispatch(
		claim_batch,
		process_batch,
		"sales_accelerator.escalation.watch.process_batch",
		batch_size,
		max_batches,
		inline,
		commit,
	)
	return {"watched": watched, "claimed": claimed}


# -- finding items --------------------------------------------------------------------------------------
def discover(rule, now=None) -> int:
	"""Watch the rule's new items and look again at its changed ones; returns how many are new."""
	now = now or now_datetime()
	doctype = rule.document_type
	meta = frappe.get_meta(doctype)
	column = engine.measure_column(rule)
	df = meta.get_field(column)
	fieldtype = df.fieldtype if df else "Datetime"
	filters = [
		*parse_filters(rule.filters),
		*engine.open_filters(doctype, bool(meta.is_submittable)),
		[column, "is", "set"],
	]
	or_filters = None
	if rule.discovered_until:
		filters.append(["modified", ">=", rule.discovered_until])
		if rule.discovered_after:  # going on through many items changed at the same moment
			or_filters = [["modified", ">", rule.discovered_until], ["name", ">", rule.discovered_after]]
	fields = ["name", "modified"] if column == "modified" else ["name", "modified", f"{column} as measured"]
	rows = frappe.get_all(
		doctype,
		filters=filters,
		or_filters=or_filters,
		fields=fields,
		order_by="modified asc, name asc",
		limit=DISCOVER_LIMIT,
	)
	offset = engine.watch_offset(rule.overdue_hours, rule.warn_hours_before, rule.working_hours_only)
	known = watched_already(rule.name, doctype, [row.name for row in rows])
	new, changed = [], []
	for row in rows:
		key = watch_name(rule.name, doctype, row.name)
		if key in known:
			seen = known[key]
			if seen is None or get_datetime(row.modified) > get_datetime(seen):
				changed.append((key, row.modified))
			continue
		measured = engine.moment_of(row.get("measured", row.modified), fieldtype)
		first = now if offset is None else add_to_date(measured, seconds=round(offset * 3600))
		new.append(
			new_watch(
				name=key,
				rule=rule.name,
				document_type=doctype,
				document_name=row.name,
				next_at=first,
				seen_modified=row.modified,
				creation=now,
				modified=now,
			)
		)
	if new:
		new.sort()  # the same order in every tick: concurrent inserts wait for each other, not deadlock
		frappe.db.bulk_insert(WATCH, NEW_WATCH_FIELDS, new, ignore_duplicates=True, chunk_size=1_000)
	for key, modified in sorted(changed):
		frappe.db.sql(
			f"""update `tab{WATCH}` set status='Watching', next_at=%(now)s, seen_modified=%(seen)s
			where name=%(name)s and status!='Done'""",
			{"now": now, "seen": modified, "name": key},
		)
	move_cursor(rule, rows, now)
	return len(new)


def watched_already(rule: str, doctype: str, names: list[str]) -> dict[str, str | None]:
	"""{watch name: the item's change time it was last looked at with} for the items already watched."""
	keys = [watch_name(rule, doctype, name) for name in names]
	known = {}
	for start in range(0, len(keys), 1_000):
		known.update(
			frappe.db.sql(
				f"select name, seen_modified from `tab{WATCH}` where name in %(keys)s",
				{"keys": keys[start : start + 1_000]},
			)
		)
	return known


def move_cursor(rule, rows: list, now):
	"""Where the next tick goes on from: after the last item read when there were more to read than a
	tick takes, else a few minutes back from now (transactions still open now commit later)."""
	if len(rows) >= DISCOVER_LIMIT:
		until, after = rows[-1].modified, rows[-1].name
	else:
		until, after = add_to_date(now, minutes=-OVERLAP_MINUTES), None
		if rule.discovered_until and get_datetime(rule.discovered_until) > until:
			until, after = rule.discovered_until, None  # never backwards
	frappe.db.sql(
		f"""update `tab{RULE}` set discovered_until=%(until)s, discovered_after=%(after)s
		where name=%(name)s and discovered_until <=> %(was)s""",
		{"until": until, "after": after, "name": rule.name, "was": rule.discovered_until},
	)


# -- claiming and processing --------------------------------------------------------------------------
def claim_batch(batch_size: int, commit: bool = True, attempts: int = 3) -> tuple[str, list[str]] | None:
	"""Lease up to ``batch_size`` due watches to a new token (see ``claims.claim_due``)."""
	return claim_due(WATCH, "Watching", "next_at", batch_size, LEASE_MINUTES, commit, attempts)


def process_batch(names: list[str], token: str, commit: bool = True):
	"""Look at each claimed item in its own transaction (see ``claims.run_claimed``); a failed item
	is tried again ``RETRY_MINUTES`` later."""
	run_claimed(
		names, token, process_watch, WATCH, "next_at", RETRY_MINUTES, "Escalation of {0} failed", commit
	)


def process_watch(name: str, token: str | None = None, now=None):
	"""Warn or escalate one item as far as is due now, and note when to look at it again. The row is
	locked meanwhile; a row no longer claimed by ``token`` (another run took it over) is left alone."""
	found = frappe.db.sql(f"select * from `tab{WATCH}` where name=%s for update", name, as_dict=True)
	if not found:
		return
	watch = found[0]
	if watch.status != "Watching" or (token and watch.claimed_by != token):
		return
	values = Look(watch, now or now_datetime()).run()
	frappe.db.set_value(
		WATCH,
		name,
		{**values, "claimed_by": None, "claimed_until": None, "last_error": None},
		update_modified=True,
	)


class Look:
	"""One look at a watched item: what is due, done, and when to look again."""

	def __init__(self, watch, now):
		self.watch, self.now = watch, now
		self.level = watch.level or 0
		self.warned = bool(watch.warned)
		self.last_escalated_at = watch.last_escalated_at
		self.escalated_to = json.loads(watch.escalated_to or "[]")

	def state(self, **values) -> dict:
		return {
			"level": self.level,
			"warned": int(self.warned),
			"last_escalated_at": self.last_escalated_at,
			"escalated_to": json.dumps(self.escalated_to),
			**values,
		}

	def stop(self, reason: str) -> dict:
		seen = self.seen() if getattr(self, "doc", None) else {}
		return self.state(status="Stopped", note=_("Stopped: {0}.").format(reason), next_at=None, **seen)

	def run(self) -> dict:
		watch = self.watch
		if not frappe.db.exists(RULE, watch.rule):
			return self.stop(_("the rule was deleted"))
		self.rule = rule = frappe.get_cached_doc(RULE, watch.rule)
		if not rule.enabled or rule.document_type != watch.document_type:
			return self.stop(_("the rule was disabled or changed"))
		if not frappe.db.exists(watch.document_type, watch.document_name):
			return self.stop(_("it was deleted"))
		self.doc = frappe.get_doc(watch.document_type, watch.document_name)
		reason = items.why_not_open(rule, self.doc) or items.author_refusal(rule, self.doc)
		if reason:
			return self.stop(reason)
		column = engine.measure_column(rule)
		df = self.doc.meta.get_field(column)
		for _step in range(engine.MAX_LEVELS + 2):
			assignee = items.assignee_of(rule, self.doc)
			shift = items.shift_for(rule, assignee)
			measured = engine.moment_of(self.doc.get(column), df.fieldtype if df else "Datetime")
			if measured is None:
				return self.stop(_("it has no {0}").format(_(df.label) if df else column))
			breach = engine.breach_at(measured, rule.overdue_hours, shift)
			warning = engine.warn_at(breach, rule.warn_hours_before, shift)
			due = engine.level_due_at(self.level, breach, self.last_escalated_at, rule.every_hours, shift)
			decision = engine.decide(self.now, self.level, rule.levels, due, warning, self.warned)
			if decision.action == engine.WARN:
				self.warn(assignee, breach)
			elif decision.action == engine.ESCALATE:
				if not self.escalate(assignee, measured):
					return self.state(status="Done", note=_("Nobody above to escalate to."), next_at=None)
				self.doc = frappe.get_doc(watch.document_type, watch.document_name)
			elif decision.action == engine.DONE:
				return self.state(status="Done", note=None, next_at=None, **self.seen())
			else:
				return self.state(status="Watching", next_at=decision.wake_at, **self.seen())
		return self.state(next_at=add_to_date(self.now, minutes=RETRY_MINUTES))

	def seen(self) -> dict:
		"""The item's change time as it is now: the changes of this look do not wake it again."""
		return {"seen_modified": frappe.db.get_value(self.doc.doctype, self.doc.name, "modified")}

	# -- what is done --------------------------------------------------------------------------------
	def warn(self, assignee: str | None, breach):
		self.warned = True
		if not assignee:
			return
		when = format_datetime(breach)
		if (
			self.log(
				0, engine.WARN, assignee, assignee, _("escalated at {0} unless done by then").format(when)
			)
			is None
		):
			return  # warned before
		items.notify(
			assignee,
			self.doc,
			_("{0} is escalated at {1} unless it is done by then.").format(
				bold(items.title_of(self.doc)), when
			),
		)

	def escalate(self, assignee: str | None, measured) -> str | None:
		"""The next level: to whom (None: nobody above), its log, the notification or reassignment,
		the assignee told, comments on the timeline."""
		rule, doc = self.rule, self.doc
		level = self.level + 1
		start = self.escalated_to[-1] if self.escalated_to else assignee
		fallback = rule.fallback_user if items.is_enabled_user(rule.fallback_user) else None
		target = engine.next_target(start, [assignee, *self.escalated_to], items.manager_of, fallback)
		reason = self.reason(assignee, measured)
		self.level, self.last_escalated_at = level, self.now
		done_before = self.log(level, rule.action, assignee, target, reason)
		if done_before is None:  # another run did this level: keep what it did
			target = frappe.db.get_value(LOG, {"escalation_key": self.key(level)}, "to_user")
			if target:
				self.escalated_to.append(target)
			return target
		if not target:
			return None
		self.escalated_to.append(target)
		title = items.title_of(doc)
		moves = rule.action in (engine.REASSIGN, engine.NOTIFY_AND_REASSIGN)
		values = {  # users' text is escaped: notifications and comments show as HTML
			"item": bold(title),
			"level": level,
			"levels": rule.levels,
			"rule": bold(rule.name),
			"reason": reason,
			"target": bold(full_name(target)),
			"assignee": bold(full_name(assignee)) if assignee else _("nobody"),
		}
		if rule.action in (engine.NOTIFY, engine.NOTIFY_AND_REASSIGN):
			message = (
				_("Escalated to you: {item}, which was {assignee}'s, is now yours ({reason}).")
				if moves
				else _("Escalated to you: {item}, assigned to {assignee}, {reason}.")
			)
			items.notify(target, doc, message.format(**values))
		if moves:
			items.reassign(rule, doc, assignee, target, _("Escalated: {item}, {reason}.").format(**values))
		if assignee and assignee != target:
			told = (
				_("{item} was escalated and moved to {target}: {reason}.")
				if moves
				else _("{item} was escalated to {target}: {reason}.")
			)
			items.notify(assignee, doc, told.format(**values))
		text = (
			_(
				"Escalated (level {level} of {levels}, rule {rule}): {reason}. Moved from {assignee} to {target}."
			)
			if moves
			else _("Escalated (level {level} of {levels}, rule {rule}): {reason}. {target} was notified.")
		)
		items.comment(doc, text.format(**values))
		return target

	def reason(self, assignee: str | None, measured) -> str:
		rule = self.rule
		unit = _("working hours") if rule.working_hours_only else _("hours")
		if self.level and self.last_escalated_at:
			hours = items.hours_between(rule, assignee, get_datetime(self.last_escalated_at), self.now)
			return _("still open {0} {1} after level {2}").format(engine.hours_label(hours), unit, self.level)
		hours = engine.hours_label(items.hours_between(rule, assignee, measured, self.now))
		moment = format_datetime(measured)
		measure = rule.measure_from or engine.DUE_TIME
		if measure == engine.CREATION:
			return _("open {0} {1} after it was created ({2})").format(hours, unit, moment)
		if measure == engine.LAST_CHANGE:
			return _("unchanged for {0} {1} (last change {2})").format(hours, unit, moment)
		return _("overdue by {0} {1} (due {2})").format(hours, unit, moment)

	def key(self, level: int) -> str:
		return f"{self.watch.name}|{level}"

	def log(self, level: int, action: str, from_user, to_user, reason: str) -> str | None:
		"""The level's Escalation Log; None when it was logged before (the unique key)."""
		key = self.key(level)
		if frappe.db.exists(LOG, {"escalation_key": key}):
			return None
		record = items.record_of(self.doc) or (None, None)
		log = frappe.get_doc(
			{
				"doctype": LOG,
				"rule": self.rule.name,
				"action": action,
				"level": level,
				"escalated_on": self.now,
				"document_type": self.doc.doctype,
				"document_name": self.doc.name,
				"reference_doctype": record[0],
				"reference_name": record[1],
				"from_user": from_user,
				"to_user": to_user,
				"reason": reason,
				"escalation_key": key,
			}
		)
		log.flags.ignore_links = True
		messages = len(frappe.local.message_log)
		try:
			log.insert(ignore_permissions=True)
		except frappe.UniqueValidationError:
			del frappe.local.message_log[messages:]
			return None
		return log.name


def full_name(user: str) -> str:
	return frappe.utils.get_fullname(user) or user
