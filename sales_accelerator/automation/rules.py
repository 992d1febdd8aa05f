"""Running Automation Rules: the ``doc_events["*"]`` entry point, one rule on one record, its log.

A save with no rule for its DocType costs one cache read. A rule's failure is logged in Automation
Rule Log and reported to the rule's owner, never raised into the user's save. A rule never reruns
on a record its own actions are changing, and chains of rules stop at ``MAX_DEPTH``.
"""

import time
import unicodedata
from functools import lru_cache

import frappe
from frappe import _
from frappe.utils import cstr
from frappe.utils.data import compare

from sales_accelerator.engine import automation as engine
from sales_accelerator.integrations.records import skip as skipped_while_installing

RULE = "Automation Rule"
LOG = "Automation Rule Log"
CACHE_KEY = "sales_accelerator:automation_rules"
MATCH_FIELDS = (
	"name",
	"trigger",
	"priority",
	"stop_further_rules",
	"field_name",
	"from_value",
	"to_value",
	"condition",
	"filters",
)


# -- which rules --------------------------------------------------------------------------------------
def rules_for(doctype: str) -> list[dict]:
	"""The enabled document-event rules of a DocType, as plain dicts, cached until a rule changes."""
	return frappe.cache.hget(CACHE_KEY, doctype, lambda: _load_rules(doctype))


def _load_rules(doctype: str) -> list[dict]:
	rules = frappe.get_all(
		RULE,
		filters={"document_type": doctype, "enabled": 1, "trigger": ["in", engine.DOCUMENT_TRIGGERS]},
		fields=list(MATCH_FIELDS),
	)
	for rule in rules:
		rule["filters"] = engine.parse_filters(rule["filters"])
	return [dict(rule) for rule in rules]


def clear_rules_cache():
	frappe.cache.delete_value(CACHE_KEY)


def on_document_event(doc, method=None):
	"""``doc_events["*"]`` for on_update, on_update_after_submit, on_submit and on_cancel."""
	if skipped_while_installing():
		return
	rules = rules_for(doc.doctype)
	if not rules:
		return
	before = doc.get_doc_before_save()
	triggers = engine.triggers_for(method, is_new=bool(doc.flags.in_insert) and before is None)
	if not triggers:
		return
	chosen = engine.select_rules(rules, triggers, before, doc, lambda rule: conditions_met(rule, doc))
	for rule in chosen:
		run_rule(rule["name"], doc, rule["trigger"])


def conditions_met(rule: dict, doc) -> bool:
	"""The rule's filters and expression hold for ``doc``. A broken expression is logged, not raised."""
	try:
		if rule.get("filters") and not _filters_hold(doc, rule["filters"]):
			return False
		return not rule.get("condition") or bool(safe_eval(rule["condition"], doc))
	except Exception as e:
		log = _new_log(rule["name"], doc, rule.get("trigger"), depth=len(stack()))
		log.status = "Failed"
		log.error = _("The condition could not be evaluated: {0}").format(cstr(e))
		_insert_log(log, frappe.get_cached_doc(RULE, rule["name"]))
		return False


def _filters_hold(doc, filters: list[list]) -> bool:
	"""Frappe's own comparison of each filter (``frappe.utils.data.compare``, as ``evaluate_filters``
	does, without re-parsing the filters on every save)."""
	for field, operator, value in filters:
		if operator == "is":  # "is set" / "is not set", as the filter buttons write them
			if bool(doc.get(field)) != (value == "set"):
				return False
			continue
		df = doc.meta.get_field(field)
		if not compare(doc.get(field), operator, value, df.fieldtype if df else None):
			return False
	return True


def safe_eval(expression: str, doc):
	"""``frappe.safe_eval`` of a rule's condition, with the record as ``doc``.

	The same restricted compiler, policy and whitelisted globals as ``frappe.safe_eval``; each
	expression is compiled once per process instead of on every save (a rule's condition is read
	on every save of its DocType). Falls back to ``frappe.safe_eval`` if Frappe's internals move."""
	try:
		from frappe.utils.safe_exec import WHITELISTED_SAFE_EVAL_GLOBALS

		code = restricted(expression)
	except ImportError:
		return frappe.safe_eval(expression, None, {"doc": doc})
	return eval(code, {"__builtins__": {}, **WHITELISTED_SAFE_EVAL_GLOBALS}, {"doc": doc})


@lru_cache(maxsize=1024)
def restricted(expression: str):
	from frappe.utils.safe_exec import FrappeTransformer, _validate_safe_eval_syntax
	from RestrictedPython import compile_restricted

	code = unicodedata.normalize("NFKC", expression)
	_validate_safe_eval_syntax(code)
	return compile_restricted(code, filename="<safe_eval>", policy=FrappeTransformer, mode="eval")


# -- running a rule -----------------------------------------------------------------------------------
def stack() -> list[tuple]:
	"""The (rule, doctype, name) runs in progress in this request, outermost first."""
	if frappe.flags.sa_automation_stack is None:
		frappe.flags.sa_automation_stack = []
	return frappe.flags.sa_automation_stack


class Run:
	"""One rule's actions on one record; the actions module does the work of each action type."""

	def __init__(self, rule, doc, log):
		self.rule, self.doc, self.log = rule, doc, log
		self.approvals: list[str] = []
		self.savepoint = f"sa_automation_{log.depth}"  # nested rules must not reuse the name

	def render(self, template: str | None) -> str:
		return frappe.render_template(template, {"doc": self.doc, "rule": self.rule}) if template else ""

	def update_record(self, values: dict):
		"""Save the record with new values through the document API (validations and other rules
		run; this rule does not rerun on it). The caller's document object is updated in place."""
		doc = self.doc
		doc.reload()
		doc.update(values)
		ignore_permissions = doc.flags.ignore_permissions
		doc.flags.ignore_permissions = True  # the rule acts, not the user who saved
		doc.flags.updater_reference = {
			"doctype": RULE,
			"docname": self.rule.name,
			"label": _("via Automation Rule {0}").format(self.rule.name),
		}
		try:
			doc.save()
		except Exception:
			frappe.db.rollback(save_point=self.savepoint)
			doc.reload()  # the caller's document keeps what is saved, not the refused values
			raise
		finally:
			doc.flags.ignore_permissions = ignore_permissions
			doc.flags.updater_reference = None


def run_rule(rule_name: str, doc, trigger: str, start: int = 0) -> str | None:
	"""Run a rule's actions from position ``start`` on ``doc``; returns the log's name (None when the
	loop guard held the rule back). Each action runs in a savepoint: a failing action is rolled
	back and logged, and the next action still runs."""
	from sales_accelerator.automation.actions import run_action

	key = (rule_name, doc.doctype, doc.name)
	running = stack()
	refusal = engine.loop_refusal(running, *key)
	if refusal == "loop":
		return None
	rule = frappe.get_cached_doc(RULE, rule_name)
	log = _new_log(rule_name, doc, trigger, depth=len(running))
	if refusal == "depth":
		log.status = "Skipped"
		log.error = _("Not run: {0} rules were already running on this record (loop guard).").format(
			engine.MAX_DEPTH
		)
		return _insert_log(log, rule)

	started = time.perf_counter()
	run = Run(rule, doc, log)
	running.append(key)
	try:
		for action in rule.actions[start:]:
			frappe.db.savepoint(run.savepoint)
			messages = len(frappe.local.message_log)
			try:
				row = run_action(run, action)
			except Exception as e:
				frappe.db.rollback(save_point=run.savepoint)
				del frappe.local.message_log[messages:]  # the user who saved sees no error of the rule's
				row = {"outcome": "Failed", "detail": cstr(e) or e.__class__.__name__}
				log.error = (
					(log.error or "")
					+ _("Action #{0} ({1}): {2}").format(action.idx, _(action.action_type), row["detail"])
					+ "\n"
				)
			log.append("actions", {"action_type": action.action_type, **row})
			if row["outcome"] == "Waiting for Approval":
				break
	finally:
		running.pop()
	log.status = engine.log_status(row.outcome for row in log.actions)
	log.duration_ms = round((time.perf_counter() - started) * 1000, 1)
	name = _insert_log(log, rule)
	for approval in run.approvals:
		frappe.db.set_value("Automation Approval", approval, "rule_log", name, update_modified=False)
	if any(row.outcome == "Queued" for row in log.actions):
		from sales_accelerator.automation.webhooks import enqueue_deliveries

		enqueue_deliveries(log)
	return name


def _new_log(rule_name: str, doc, trigger, depth: int):
	return frappe.get_doc(
		{
			"doctype": LOG,
			"rule": rule_name,
			"document_type": doc.doctype,
			"document_name": doc.name,
			"trigger": trigger,
			"depth": depth,
		}
	)


def _insert_log(log, rule) -> str:
	log.insert(ignore_permissions=True)
	if log.status in ("Failed", "Partly Failed") and frappe.db.get_single_value(
		"Sales Accelerator Settings", "notify_rule_failures"
	):
		from sales_accelerator.automation.actions import notify_users

		notify_users(
			[rule.owner],
			LOG,
			log.name,
			_("Automation Rule {0} failed on {1} {2}").format(
				frappe.bold(rule.name), _(log.document_type), frappe.bold(log.document_name)
			),
			frappe.utils.escape_html(log.error or ""),
		)
	return log.name
