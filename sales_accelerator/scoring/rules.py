"""The enabled Scoring Rules of a document type, as plain dicts, cached until a rule changes."""

import frappe

from sales_accelerator.engine import EngineError
from sales_accelerator.engine import automation as automation_engine
from sales_accelerator.engine import scoring as engine
from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES
from sales_accelerator.utils import clear_cache_now_and_at_end

RULE = "Scoring Rule"
CRITERION = "Scoring Rule Criterion"
CACHE_KEY = "sales_accelerator:scoring_rules"
SCORE_FIELD = "sa_score"
RULE_FIELDS = (
	"name",
	"score_field",
	"decay_points",
	"decay_every_days",
	"minimum_score",
	"maximum_score",
)
CRITERION_FIELDS = ("name", "parent", "idx", "criterion", "points", "max_times", "filters", "condition")


def rules_for(doctype: str) -> list[dict]:
	"""The enabled rules scoring ``doctype``, each with its ``criteria`` (filters parsed)."""
	if doctype not in CUSTOMER_FACING_DOCTYPES:
		return []
	return frappe.cache.hget(CACHE_KEY, doctype, lambda: load_rules(doctype))


def load_rules(doctype: str) -> list[dict]:
	rules = frappe.get_all(
		RULE,
		filters={"document_type": doctype, "enabled": 1},
		fields=list(RULE_FIELDS),
		order_by="name asc",
	)
	criteria = (
		frappe.get_all(
			CRITERION,
			filters={"parenttype": RULE, "parent": ["in", [rule.name for rule in rules]]},
			fields=list(CRITERION_FIELDS),
			order_by="idx asc",
		)
		if rules
		else []
	)
	loaded = []
	for rule in rules:
		rows = []
		for row in criteria:
			if row.parent != rule.name:
				continue
			try:
				row["filters"] = automation_engine.parse_filters(row.filters)
			except EngineError:
				row["filters"], row["broken"] = [], True  # saved before a check that refuses it now
			row["reads"] = engine.fields_read(row)
			rows.append(dict(row))
		loaded.append({**rule, "criteria": rows})
	return loaded


def clear_rules_cache():
	clear_cache_now_and_at_end(CACHE_KEY)


def score_fields(doctype: str, rules: list[dict] | None = None) -> set[str]:
	"""The fields of ``doctype`` that hold scores: the app's Score and every enabled rule's field.
	Only the app writes them (see ``score.keep_scores``)."""
	rules = rules_for(doctype) if rules is None else rules
	fields = {rule["score_field"] for rule in rules}
	if doctype in CUSTOMER_FACING_DOCTYPES:
		fields.add(SCORE_FIELD)
	return fields


def criteria_kinds(doctype: str) -> set[str]:
	"""The criteria the enabled rules of ``doctype`` count (one cache read)."""
	return {row["criterion"] for rule in rules_for(doctype) for row in rule["criteria"]}


def doctypes_counting(*kinds: str) -> list[str]:
	"""The record types whose enabled rules count any of ``kinds``."""
	return [doctype for doctype in CUSTOMER_FACING_DOCTYPES if criteria_kinds(doctype) & set(kinds)]
