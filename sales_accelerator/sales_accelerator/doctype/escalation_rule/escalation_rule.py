# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from sales_accelerator.automation.rules import restricted
from sales_accelerator.controllers.colour_coded import throw_engine_error
from sales_accelerator.engine import EngineError
from sales_accelerator.engine import escalation as engine
from sales_accelerator.escalation.watch import WATCH
from sales_accelerator.utils import bold

# a change of these looks at every watched item again; of the document type, starts afresh
WATCHING_FIELDS = (
	"filters",
	"condition",
	"measure_from",
	"due_field",
	"overdue_hours",
	"warn_hours_before",
	"working_hours_only",
	"holiday_list",
	"levels",
	"every_hours",
	"assignee_field",
	"fallback_user",
	"action",
	"enabled",
)


class EscalationRule(Document):
	def validate(self):
		meta = frappe.get_meta(self.document_type)
		fields = {df.fieldname: df.fieldtype for df in meta.fields}
		permlevels = {df.fieldname: df.permlevel for df in meta.fields}
		user_fields = {df.fieldname for df in meta.fields if df.fieldtype == "Link" and df.options == "User"}
		try:
			refusal = engine.target_refusal(self.document_type, meta.module, meta.issingle, meta.istable)
			if refusal:
				raise EngineError(refusal, self.document_type)
			filters = engine.validate_rule(self.as_dict(), fields, user_fields, permlevels)
		except EngineError as e:
			throw_engine_error(e)
		self.filters = json.dumps(filters) if filters else None
		self.set_known_fields()
		self.validate_condition()
		self.validate_fallback_user()

	def set_known_fields(self):
		"""Activities and ToDos bring their own due time and assignee."""
		if self.document_type in engine.KNOWN_KINDS:
			self.due_field = None
			self.assignee_field = None
		elif self.measure_from != engine.DUE_TIME:
			self.due_field = None
		if not self.working_hours_only:
			self.holiday_list = None

	def validate_condition(self):
		"""Compile the condition as it will run: Frappe's restricted Python (no dunders, no imports)."""
		if not self.condition:
			return
		try:
			restricted(self.condition)
		except SyntaxError as e:
			frappe.throw(
				_("Condition: {0}").format(frappe.utils.escape_html(str(e))), title=_("Invalid Condition")
			)

	def validate_fallback_user(self):
		if self.fallback_user and not frappe.db.get_value("User", {"name": self.fallback_user, "enabled": 1}):
			frappe.throw(
				_("{0}: {1} is not an enabled user.").format(_("Fallback User"), bold(self.fallback_user))
			)

	def on_update(self):
		before = self.get_doc_before_save()
		if not before:
			return
		if before.document_type != self.document_type:
			frappe.db.delete(WATCH, {"rule": self.name})
			self.restart_discovery()
		elif any(str(before.get(f)) != str(self.get(f)) for f in WATCHING_FIELDS):
			self.restart_discovery()
			self.look_again()

	def restart_discovery(self):
		"""Read every record of the document type again: other filters find other records."""
		self.db_set({"discovered_until": None, "discovered_after": None}, update_modified=False)

	def look_again(self):
		"""Every watched item is looked at again with the rule as it is now: escalated, stopped or
		resumed (a rule enabled again, or given more levels)."""
		if not self.enabled:
			frappe.db.sql(
				f"update `tab{WATCH}` set status='Stopped', next_at=null where rule=%s and status='Watching'",
				self.name,
			)
			return
		frappe.db.sql(
			f"""update `tab{WATCH}` set status='Watching', next_at=%(now)s
			where rule=%(rule)s and (status in ('Watching', 'Stopped') or (status='Done' and level < %(levels)s))""",
			{"now": now_datetime(), "rule": self.name, "levels": self.levels},
		)

	def on_trash(self):
		frappe.db.delete(WATCH, {"rule": self.name})
