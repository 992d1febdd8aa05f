"""Scoring records: their contributions, their score, and who may change it.

**Contributions are stored** (Score Contribution: one row per record, score field, rule and
criterion, named by a hash of that key). Computing them on demand would need every event query on
every form load and could not say since when a Field Value criterion has held; stored, the breakdown
is one indexed read, ``since`` is the moment the criterion was first seen holding (or its first
event), a save only compares which Field Value criteria hold before and after (no query when
nothing changes), and decay needs nothing but the stored rows.

**Writing a score.** A save that changes which criteria hold sets the new score on the document in
``before_save``: it is part of that save, so the record's *On Update* and *On Field Change* rules
see it like any other field. A score that changes without a save (a reply, a read receipt, a call,
a meeting, decay, a rule changed) is written straight to the column, without touching ``modified``
(the record did not change: *Inactive For Days* rules still see it as quiet), and the record's *On
Field Change* rules on that field run with the old value as before (``automation.rules.on_field_change``).

**Nobody writes a score by hand.** Scores are the rules' result; what a user sends for a score field
(a stale form, REST, Data Import) is ignored and the stored score kept, whoever they are. An
Automation Rule's *Change Score* (or *Update Field*) on it is kept as that rule's contribution, so
a rescore adds it again.
"""

import hashlib
from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from sales_accelerator.engine import scoring as engine
from sales_accelerator.integrations.records import skip
from sales_accelerator.scoring import facts
from sales_accelerator.scoring.rules import CRITERION, SCORE_FIELD, rules_for, score_fields

CONTRIBUTION = "Score Contribution"
ROW_FIELDS = ("score_field", "rule_type", "rule", "criterion", "points", "times", "since", "last_at", "label")
AUTOMATION_RULE = "Automation Rule"


# -- which criteria hold -------------------------------------------------------------------------------
def holder(doctype: str, values):
	"""``holds(row)`` for a record (a document, or a dict of its values): the row's filters and
	condition hold. A condition that fails to evaluate does not hold (and is logged once)."""
	from sales_accelerator.automation.rules import filters_hold, record_values, safe_eval

	meta = frappe.get_meta(doctype)
	plain = {}

	def holds(row) -> bool:
		if row.get("broken"):
			return False
		if row["filters"] and not filters_hold(values, row["filters"], meta):
			return False
		if not (row.get("condition") or "").strip():
			return True
		if not plain:  # a document, or a plain copy of the values (record_values reads a dict as one)
			plain.update(record_values(dict(values) if isinstance(values, dict) else values))
		try:
			return bool(safe_eval(row["condition"], frappe._dict(plain)))
		except Exception:
			_log_condition_error(row)
			return False

	return holds


def _log_condition_error(row):
	logged = frappe.flags.sa_scoring_errors = frappe.flags.sa_scoring_errors or set()
	if row["name"] not in logged:
		logged.add(row["name"])
		frappe.log_error(
			title=_("Scoring Rule {0}: the condition of criterion #{1} could not be evaluated").format(
				row.get("parent"), row.get("idx")
			)
		)


# -- stored contributions ------------------------------------------------------------------------------
def row_name(doctype: str, name: str, key: tuple) -> str:
	return hashlib.sha1("|".join((doctype, name, *key)).encode()).hexdigest()


def stored_rows(doctype: str, names: list[str]) -> dict[str, list[dict]]:
	"""The stored contributions of records, by record."""
	found = defaultdict(list)
	if not names:
		return found
	for row in frappe.get_all(
		CONTRIBUTION,
		filters={"reference_doctype": doctype, "reference_name": ["in", names]},
		fields=["name", "reference_name", "criterion_row as `row`", *ROW_FIELDS],
	):
		row["since"], row["last_at"] = engine.seconds(row.since), engine.seconds(row.last_at)
		found[row.pop("reference_name")].append(dict(row))
	return found


def write_rows(doctype: str, plans: dict[str, dict]):
	"""Apply each record's plan: delete the rows that changed or went, insert the new ones (named by
	a hash of their record and key; a row keeps its name when its record is renamed)."""
	deleted = [row["name"] for plan in plans.values() for row in plan["delete"]]
	for start in range(0, len(deleted), 1000):
		frappe.db.delete(CONTRIBUTION, {"name": ["in", deleted[start : start + 1000]]})
	now, user = now_datetime(), frappe.session.user
	values = [
		(
			row_name(doctype, name, engine.key_of(row)),
			now,
			now,
			user,
			user,
			doctype,
			name,
			row["row"],
			*(row[field] for field in ROW_FIELDS),
		)
		for name, plan in plans.items()
		for row in plan["insert"]
	]
	if values:
		frappe.db.bulk_insert(
			CONTRIBUTION,
			[
				"name",
				"creation",
				"modified",
				"owner",
				"modified_by",
				"reference_doctype",
				"reference_name",
				"criterion_row",
				*ROW_FIELDS,
			],
			values,
		)


def delete_contributions(doctype: str, name: str):
	frappe.db.delete(CONTRIBUTION, {"reference_doctype": doctype, "reference_name": name})


# -- scoring records from what is stored and what happened ------------------------------------------------
def score_records(doctype: str, names: list[str], now=None) -> dict[str, dict]:
	"""Score records afresh from their values and events, write what changed and run the *On Field
	Change* rules of the scores that changed. Returns ``{record: {field: (old, new)}}`` of those."""
	now = engine.seconds(get_datetime(now) if now else now_datetime())
	meta = frappe.get_meta(doctype)
	rules = rules_for(doctype)
	records = {
		row.name: row for row in frappe.get_all(doctype, filters={"name": ["in", names]}, fields=["*"])
	}
	for values in records.values():
		values["doctype"] = doctype
	kinds = {row["criterion"] for rule in rules for row in rule["criteria"]} & set(engine.EVENT_CRITERIA)
	events = facts.gather(doctype, records, kinds) if kinds else {}
	stored = stored_rows(doctype, list(records))
	fields = {field for field in score_fields(doctype, rules) if meta.has_field(field)}
	plans, changes = {}, {}
	for name, values in records.items():
		by_key = {engine.key_of(row): row for row in stored.get(name, [])}
		holds = holder(doctype, values)
		made = []
		for rule in rules:
			made += engine.rule_rows(
				rule, holds, events.get(name, {}), by_key, engine.seconds(values.modified), now
			)
		plan = engine.plan(stored.get(name, []), made, fields)
		plans[name] = plan
		changed = {
			field: (cint(values.get(field)), score)
			for field, score in plan["scores"].items()
			if field in fields and cint(values.get(field)) != score
		}
		if changed:
			changes[name] = changed
	write_rows(doctype, plans)
	write_scores(doctype, changes)
	return changes


def write_scores(doctype: str, changes: dict[str, dict]):
	"""Write changed scores straight to the records (``modified`` stays: nobody edited them), then
	run each record's *On Field Change* rules of those fields."""
	groups = defaultdict(list)
	for name, changed in changes.items():
		for field, (_old, new) in changed.items():
			groups[(field, new)].append(name)
	for (field, score), names in groups.items():
		frappe.db.sql(
			f"update `tab{doctype}` set `{field}`=%(score)s where name in %(names)s",
			{"score": score, "names": names},
		)
	for name in changes:
		frappe.clear_document_cache(doctype, name)
	fire_field_change_rules(doctype, changes)


def fire_field_change_rules(doctype: str, changes: dict[str, dict]):
	from sales_accelerator.automation import rules as automation

	watched = set(automation.rules_for(doctype).watching)  # the fields "On Field Change" rules watch
	for name, changed in changes.items():
		if not watched & set(changed):
			continue
		doc = frappe.get_doc(doctype, name)
		before = frappe._dict(doc.as_dict(), **{field: old for field, (old, _new) in changed.items()})
		automation.on_field_change(doc, before)


# -- a save --------------------------------------------------------------------------------------------
def before_save(doc, method=None):
	"""Keep the record's scores the rules' own, and score it when the save changes which criteria
	hold (or an Automation Rule changed its score). Costs one cache read when nothing changes."""
	doc.flags.sa_score_plan = None
	if skip():
		return
	rules = rules_for(doc.doctype)
	before = doc.get_doc_before_save()
	changes = keep_scores(doc, before, score_fields(doc.doctype, rules))
	if not rules and not changes:
		return
	holds = holder(doc.doctype, doc)
	holds_before = holder(doc.doctype, before) if before is not None else None
	if holds_before and not changes:
		if not any(
			may_change(row, doc, before, holds, holds_before) for rule in rules for row in rule["criteria"]
		):
			return
	plan_save(doc, rules, holds, holds_before, changes)


def may_change(row, doc, before, holds, holds_before) -> bool:
	"""Whether this save changes if the criterion holds: not when none of the fields it reads
	changed (nothing is evaluated then), else when it holds now and did not before or the reverse."""
	reads = row.get("reads")
	if reads is not None and all(before.get(field) == doc.get(field) for field in reads):
		return False
	return holds(row) != holds_before(row)


def keep_scores(doc, before, fields: set[str]) -> dict[str, int]:
	"""Put back the score fields a save changed (a user's value is ignored, the stored one kept);
	returns the changes an Automation Rule made, to keep as its contribution."""
	reference = doc.flags.updater_reference or {}
	by_rule = reference.get("doctype") == AUTOMATION_RULE and before is not None
	kept = {}
	for field in fields:
		if not doc.meta.has_field(field):
			continue
		old = cint(before.get(field)) if before is not None else 0
		new = cint(doc.get(field))
		if new == old:
			continue
		if by_rule:
			kept[field] = new - old
		doc.set(field, old)
	return kept


def plan_save(doc, rules: list[dict], holds, holds_before, changes: dict[str, int]):
	"""The record's contributions and scores for this save, set on the document (written with it) and
	kept for ``on_update``. Field Value criteria are scored from the document. Events are read only
	for event criteria that the save made count on this record; the others keep their stored rows
	(a save changes no events). A new record has no events yet: a later event or the daily rescore
	counts what happened before it existed (a reply from its address)."""
	now = engine.seconds(now_datetime())
	stored = stored_rows(doc.doctype, [doc.name]).get(doc.name, []) if holds_before else []
	by_key = {engine.key_of(row): row for row in stored}
	read = {
		row["criterion"]
		for rule in rules
		for row in rule["criteria"]
		if holds_before and row["criterion"] in engine.EVENT_CRITERIA and holds(row) and not holds_before(row)
	}
	events = facts.gather(doc.doctype, {doc.name: doc}, read).get(doc.name, {}) if read else {}
	made = [row for rule in rules for row in engine.rule_rows(rule, holds, events, by_key, now, now, read)]
	rule = (doc.flags.updater_reference or {}).get("docname")
	for field, change in changes.items():
		found = by_key.get(engine.key(field, engine.AUTOMATION_RULE, rule, engine.ADJUSTMENT_ROW))
		made.append(engine.adjustment(field, rule, found, change, now))
	fields = {field for field in score_fields(doc.doctype, rules) if doc.meta.has_field(field)}
	plan = engine.plan(stored, made, fields)
	for field, score in plan["scores"].items():
		if field in fields:
			doc.set(field, score)
	doc.flags.sa_score_plan = plan


def on_update(doc, method=None):
	"""Write the contributions ``before_save`` planned."""
	plan = doc.flags.sa_score_plan
	if plan:
		doc.flags.sa_score_plan = None
		write_rows(doc.doctype, {doc.name: plan})


# -- explaining a score --------------------------------------------------------------------------------
def breakdown(doctype: str, name: str, score_field: str | None = None) -> dict:
	"""``{"score", "contributions"}`` of a record's score field (the app's Score by default): the
	stored contributions, which add up to the score."""
	score_field = score_field or SCORE_FIELD
	rows = [row for row in stored_rows(doctype, [name]).get(name, []) if row["score_field"] == score_field]
	order = dict(
		frappe.get_all(
			CRITERION,
			filters={"name": ["in", [row["row"] for row in rows] or [""]]},
			fields=["name", "idx"],
			as_list=True,
		)
	)
	return {
		"score": cint(frappe.db.get_value(doctype, name, score_field)),
		"contributions": engine.breakdown(rows, order),
	}
