"""Running Automation Rules: the ``doc_events["*"]`` entry point, one rule on one record, its log.

A save with no rule for its DocType costs one cache read. A rule's failure is logged in Automation
Rule Log and reported to the rule's owner, never raised into the user's save; nor is a rule that
vanished without its hooks running (a rolled-back insert, a raw delete, a restored backup): it is
skipped and the cache rebuilt. A rule never reruns on a record its own actions are changing, and
chains of rules stop at ``MAX_DEPTH``.

Whose rights: a rule's actions run as its **author**, the user who last saved it (``modified_by``):
whoever saves a rule vouches for what it does now, so a Sequence Manager cannot do through a rule
what they cannot do by hand, and editing a System Manager's rule does not borrow their rights. The
author must be an enabled user who may read the record. The app's own bookkeeping (the log, the
approval, notifications) is written by the app, not the author.

Templates in actions (subjects, messages, values, webhook bodies) see the record as ``doc`` (its
plain values, without passwords and fields above permission level 0) and a few formatting helpers,
in Jinja's immutable sandbox: no ``frappe``, no database, no requests.
"""

import time
import unicodedata
from contextlib import contextmanager
from functools import lru_cache

import frappe
from frappe import _
from frappe.utils import cint, cstr, flt, fmt_money, format_date, format_datetime, getdate, now, nowdate
from frappe.utils.data import compare

from sales_accelerator.engine import automation as engine
from sales_accelerator.integrations.records import skip as skipped_while_installing
from sales_accelerator.utils import bold, clear_cache_now_and_at_end

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
def rules_for(doctype: str) -> "engine.RulePlan":
	"""The enabled document-event rules of a DocType, as plain dicts arranged for saves (iterating
	gives them in order), cached until a rule changes."""
	return frappe.cache.hget(CACHE_KEY, doctype, lambda: _load_rules(doctype))


def _load_rules(doctype: str) -> "engine.RulePlan":
	rules = frappe.get_all(
		RULE,
		filters={"document_type": doctype, "enabled": 1, "trigger": ["in", engine.DOCUMENT_TRIGGERS]},
		fields=list(MATCH_FIELDS),
	)
	for rule in rules:
		rule["filters"] = engine.parse_filters(rule["filters"])
	text_fields = [
		df.fieldname for df in frappe.get_meta(doctype).fields if df.fieldtype in engine.TEXT_FIELDTYPES
	]
	return engine.plan_rules([dict(rule) for rule in rules], text_fields)


def clear_rules_cache():
	"""Drop the cached rules now and when this transaction ends."""
	clear_cache_now_and_at_end(CACHE_KEY)


def target_refusal(doctype: str) -> str | None:
	"""Why rules may not act on records of ``doctype`` (an untranslated message naming it as {0}),
	or None."""
	meta = frappe.get_meta(doctype)
	return engine.target_refusal(doctype, meta.module, meta.issingle, meta.istable)


def may_target(doctype: str) -> bool:
	return not target_refusal(doctype)


def on_document_event(doc, method=None):
	"""``doc_events["*"]`` for on_update, on_update_after_submit, on_submit and on_cancel.

	Never raises into the save for the rules' own sake: a rule's failure is logged; anything else is
	rolled back to before the rule and written to the Error Log."""
	if skipped_while_installing():
		return
	rules = rules_for(doc.doctype)
	if not rules:
		return
	before = doc.get_doc_before_save()
	triggers = engine.triggers_for(method, is_new=bool(doc.flags.in_insert) and before is None)
	run_rules(doc, triggers, before, rules)


def on_field_change(doc, before):
	"""A field the app changed without saving the record (its score): the record's *On Field Change*
	rules run as after a save that changed it (``before`` holds the old values), not its *On Update*
	rules, for nobody edited the record."""
	if skipped_while_installing():
		return
	run_rules(doc, (engine.ON_FIELD_CHANGE,), before)


def run_rules(doc, triggers, before, rules: list[dict] | None = None):
	"""Run the rules of ``doc``'s DocType that ``triggers`` fire, each in a savepoint."""
	rules = rules_for(doc.doctype) if rules is None else rules
	if not rules or not triggers or not may_target(doc.doctype):
		return
	values = {}

	def record():  # the record's plain values, read once for all the rules' conditions
		if not values:
			values["record"] = engine.ReadOnlyRecord(record_values(doc))
		return values["record"]

	try:
		chosen = engine.select_rules(
			rules, triggers, before, doc, lambda rule: conditions_met(rule, doc, record)
		)
	except Exception:
		frappe.log_error(
			title=_("Automation Rules could not be chosen for {0} {1}").format(doc.doctype, doc.name)
		)
		return
	for rule in chosen:
		savepoint = f"sa_rule_event_{len(stack())}"
		frappe.db.savepoint(savepoint)
		try:
			run_rule(rule["name"], doc, rule["trigger"])
		except Exception as e:
			try:
				frappe.db.rollback(save_point=savepoint)
			except Exception:
				raise e from None  # the transaction itself is gone (deadlock, lost connection): so is the save
			frappe.log_error(
				title=_("Automation Rule {0} failed on {1} {2}").format(rule["name"], doc.doctype, doc.name)
			)


def rule_exists(name: str, enabled: bool = True) -> bool:
	"""Is the rule still there (and enabled)? If not, the cached list is stale: drop it."""
	if frappe.db.exists(RULE, {"name": name, "enabled": 1} if enabled else name):
		return True
	clear_rules_cache()
	return False


def conditions_met(rule: dict, doc, record=None) -> bool:
	"""The rule's filters and expression hold for ``doc`` (``record()`` gives its plain values, when
	the caller has them). A broken expression is logged, not raised."""
	try:
		if rule.get("filters") and not filters_hold(doc, rule["filters"], doc.meta):
			return False
		if not rule.get("condition"):
			return True
		values = record() if record else engine.ReadOnlyRecord(record_values(doc))  # conditions only read
		return bool(safe_eval(rule["condition"], values))
	except Exception as e:
		if not rule_exists(rule["name"], enabled=False):
			return False
		log = _new_log(rule["name"], doc, rule.get("trigger"), depth=len(stack()))
		log.status = "Failed"
		log.error = _("The condition could not be evaluated: {0}").format(cstr(e))
		_insert_log(log, frappe.db.get_value(RULE, rule["name"], "owner"))
		return False


def filters_hold(doc, filters: list[list], meta) -> bool:
	"""Frappe's own comparison of each filter (``frappe.utils.data.compare``, as ``evaluate_filters``
	does, without re-parsing the filters on every save). ``doc``: a document or a dict of its values;
	``meta``: its DocType's."""
	for field, operator, value in filters:
		if operator == "is":  # "is set" / "is not set", as the filter buttons write them
			if bool(doc.get(field)) != (value == "set"):
				return False
			continue
		df = meta.get_field(field)
		if not compare(doc.get(field), operator, value, df.fieldtype if df else None):
			return False
	return True


def safe_eval(expression: str, values: dict):
	"""``frappe.safe_eval`` of a rule's condition, with the record's ``values`` as ``doc``.

	The same restricted compiler, policy and whitelisted globals as ``frappe.safe_eval``; each
	expression is compiled once per process instead of on every save (a rule's condition is read
	on every save of its DocType). Falls back to ``frappe.safe_eval`` if Frappe's internals move."""
	try:
		code, eval_globals = restricted(expression), _eval_globals()
	except ImportError:
		return frappe.safe_eval(expression, None, {"doc": values})
	return eval(code, eval_globals, {"doc": values})


@lru_cache(maxsize=1)
def _eval_globals() -> dict:
	from frappe.utils.safe_exec import WHITELISTED_SAFE_EVAL_GLOBALS

	return {"__builtins__": {}, **WHITELISTED_SAFE_EVAL_GLOBALS}


def check_condition(expression: str | None, where: str | None = None):
	"""Refuse a condition that will not compile as it runs: Frappe's restricted Python (no dunders,
	no imports). ``where`` names its row in the message."""
	if not (expression or "").strip():
		return
	try:
		restricted(expression)
	except SyntaxError as e:
		message = _("Condition: {0}").format(frappe.utils.escape_html(str(e)))
		frappe.throw(f"{where}: {message}" if where else message, title=_("Invalid Condition"))


@lru_cache(maxsize=1024)
def restricted(expression: str):
	from frappe.utils.safe_exec import FrappeTransformer, _validate_safe_eval_syntax
	from RestrictedPython import compile_restricted

	code = unicodedata.normalize("NFKC", expression)
	_validate_safe_eval_syntax(code)
	return compile_restricted(code, filename="<safe_eval>", policy=FrappeTransformer, mode="eval")


# -- what a rule sees and whose rights it has -----------------------------------------------------------
def record_values(doc) -> "frappe._dict":
	"""The record as plain values for conditions and templates (no methods of the document): without
	passwords and fields above permission level 0, which rules may not read."""
	values = doc.as_dict() if hasattr(doc, "as_dict") else frappe._dict(doc)
	for key in [key for key in values if key.startswith("__")]:
		del values[key]
	for fieldname in _hidden_fields(values.get("doctype") or doc.doctype):
		values.pop(fieldname, None)
	return values


def _hidden_fields(doctype: str) -> list[str]:
	"""The passwords and fields above permission level 0 of a DocType (kept with its meta, so a
	changed DocType is read again)."""
	meta = frappe.get_meta(doctype)
	hidden = getattr(meta, "_sa_hidden_fields", None)
	if hidden is None:
		hidden = meta._sa_hidden_fields = [
			df.fieldname for df in meta.fields if engine.hidden_field(df.fieldtype, df.permlevel)
		]
	return hidden


def _format_value(value, fieldtype: str | None = None):
	return frappe.format_value(value, {"fieldtype": fieldtype or "Data"})


@lru_cache(maxsize=1)
def template_environment():
	"""Jinja's immutable sandbox with formatting helpers only: no ``frappe``, no database."""
	from jinja2 import StrictUndefined
	from jinja2.sandbox import ImmutableSandboxedEnvironment

	environment = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
	environment.globals.update(
		{
			"_": _,
			"nowdate": nowdate,
			"today": nowdate,
			"now": now,
			"getdate": getdate,
			"format_date": format_date,
			"format_datetime": format_datetime,
			"format_value": _format_value,
			"fmt_money": fmt_money,
			"flt": flt,
			"cint": cint,
		}
	)
	return environment


@lru_cache(maxsize=512)
def _compiled(template: str):
	return template_environment().from_string(template)


def render(template: str | None, doc) -> str:
	"""Fill ``template`` from the record (``doc``) in the sandbox; raises on an error in it."""
	if not template:
		return ""
	if "{" not in template:
		return template
	return _compiled(template).render(doc=record_values(doc))


@contextmanager
def acting_as(user: str):
	"""Run the block with ``user``'s permissions (``frappe.session.user``, roles, permission caches).
	Unlike ``frappe.set_user`` the request's session, form_dict and Jinja environment are left alone,
	and everything is put back afterwards, whatever happens."""
	local = frappe.local
	if local.session.user == user:
		yield
		return
	saved = (local.session, local.user_perms, local.role_permissions, local.new_doc_templates)
	local.session = frappe._dict(local.session, user=user)
	local.user_perms, local.role_permissions, local.new_doc_templates = None, {}, {}
	try:
		yield
	finally:
		local.session, local.user_perms, local.role_permissions, local.new_doc_templates = saved


def author_refusal(author: str | None, doc) -> str | None:
	"""Why the rule's author cannot act on ``doc``, or None."""
	if not author or not frappe.db.get_value("User", {"name": author, "enabled": 1}):
		return _("its author {0} is not an enabled user").format(author or "-")
	if not frappe.has_permission(doc.doctype, "read", doc, user=author):
		return _("its author {0} may not read {1} {2}").format(author, _(doc.doctype), doc.name)
	return None


# -- running a rule -----------------------------------------------------------------------------------
def stack() -> list[tuple]:
	"""The (rule, doctype, name) runs in progress in this request, outermost first."""
	if frappe.flags.sa_automation_stack is None:
		frappe.flags.sa_automation_stack = []
	return frappe.flags.sa_automation_stack


class Run:
	"""One rule's actions on one record; the actions module does the work of each action type."""

	def __init__(self, rule, doc, log, author: str, actions: list):
		self.rule, self.doc, self.log, self.author, self.actions = rule, doc, log, author, actions
		self.approvals: list[str] = []
		self.savepoint = f"sa_automation_{log.depth}"  # nested rules must not reuse the name

	def render(self, template: str | None) -> str:
		return render(template, self.doc)

	def update_record(self, values: dict):
		"""Save the record with new values through the document API, with the author's permissions
		(validations and other rules run; this rule does not rerun on it). The caller's document
		object is updated in place."""
		doc = self.doc
		doc.reload()
		doc.update(values)
		ignore_permissions = doc.flags.ignore_permissions
		doc.flags.ignore_permissions = False  # the rule acts with its author's rights
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


def run_rule(rule_name: str, doc, trigger: str, start: int = 0, snapshot: dict | None = None) -> str | None:
	"""Run a rule's actions from position ``start`` on ``doc``; returns the log's name (None when the
	loop guard held the rule back, or the rule is gone or disabled). ``snapshot``: the actions and
	author to run instead of the rule's current ones (an approved request). Each action runs in a
	savepoint: a failing action is rolled back and logged, and the next action still runs."""
	from sales_accelerator.automation.actions import run_action

	key = (rule_name, doc.doctype, doc.name)
	running = stack()
	refusal = engine.loop_refusal(running, *key)
	if refusal == "loop" or not rule_exists(rule_name, enabled=snapshot is None):
		return None
	rule = frappe.get_cached_doc(RULE, rule_name)
	log = _new_log(rule_name, doc, trigger, depth=len(running))
	if refusal == "depth":
		log.status = "Skipped"
		log.error = _("Not run: {0} rules were already running on this record (loop guard).").format(
			engine.MAX_DEPTH
		)
		running.append(key)  # the log's own save must not start another run
		try:
			return _insert_log(log, rule.owner)
		finally:
			running.pop()

	if snapshot:
		author, actions = snapshot.get("author"), [frappe._dict(row) for row in snapshot.get("actions") or []]
	else:
		author, actions = rule.modified_by, list(rule.actions[start:])
	started = time.perf_counter()
	run = Run(rule, doc, log, author, actions)
	running.append(key)
	try:
		target = target_refusal(doc.doctype)
		refused = _(target).format(_(doc.doctype)) if target else author_refusal(author, doc)
		if refused:
			log.error = _("Not run: {0}.").format(refused)
			log.append("actions", {"action_type": _("Rule"), "outcome": "Failed", "detail": log.error})
		else:
			_run_actions(run, run_action)
		log.status = engine.log_status(row.outcome for row in log.actions)
		log.duration_ms = round((time.perf_counter() - started) * 1000, 1)
		name = _insert_log(log, rule.owner)  # still on the stack: rules on the log cannot loop
	finally:
		running.pop()
	for approval in run.approvals:
		frappe.db.set_value("Automation Approval", approval, "rule_log", name, update_modified=False)
	if any(row.outcome == "Queued" for row in log.actions):
		from sales_accelerator.automation.webhooks import enqueue_deliveries

		enqueue_deliveries(log)
	return name


def _run_actions(run, run_action):
	log = run.log
	with acting_as(run.author):
		for action in run.actions:
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


def _insert_log(log, owner: str | None) -> str:
	log.insert(ignore_permissions=True)
	if log.status in ("Failed", "Partly Failed") and frappe.db.get_single_value(
		"Sales Accelerator Settings", "notify_rule_failures"
	):
		from sales_accelerator.automation.actions import notify_users

		notify_users(
			[owner],
			LOG,
			log.name,
			_("Automation Rule {0} failed on {1} {2}").format(
				bold(log.rule), _(log.document_type), bold(log.document_name)
			),
			frappe.utils.escape_html(log.error or ""),
		)
	return log.name
