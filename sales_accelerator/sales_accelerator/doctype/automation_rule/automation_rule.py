# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import ipaddress
import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from sales_accelerator.automation.rules import check_condition, clear_rules_cache, target_refusal
from sales_accelerator.controllers.colour_coded import throw_engine_error
from sales_accelerator.engine import EngineError
from sales_accelerator.engine import automation as engine

SCHEDULE_FIELDS = ("trigger", "frequency", "run_at", "time_of_day", "day_of_week", "day_of_month", "enabled")


class AutomationRule(Document):
	def validate(self):
		meta = frappe.get_meta(self.document_type)
		fields = {df.fieldname: df.fieldtype for df in meta.fields}
		permlevels = {df.fieldname: df.permlevel for df in meta.fields}
		try:
			refusal = target_refusal(self.document_type)
			if refusal:
				raise EngineError(refusal, self.document_type)
			filters = engine.validate_rule(self.as_dict(), fields, bool(meta.is_submittable), permlevels)
			for action in self.actions:
				if action.action_type == engine.WEBHOOK:
					self.refuse_local_webhook(action)
		except EngineError as e:
			throw_engine_error(e)
		self.filters = json.dumps(filters) if filters else None
		self.validate_condition()
		self.validate_approval_is_last_of_its_kind()
		self.set_next_run()

	def validate_condition(self):
		check_condition(self.condition)

	def validate_approval_is_last_of_its_kind(self):
		approvals = [a.idx for a in self.actions if a.action_type == engine.REQUEST_APPROVAL]
		if len(approvals) > 1:
			frappe.throw(
				_(
					"Actions #{0}: a rule asks for approval once; the actions after it run when approved."
				).format(", #".join(map(str, approvals)))
			)

	def refuse_local_webhook(self, action):
		"""Refuse now what delivery would refuse: a loopback or private address written literally."""
		from sales_accelerator.automation.webhooks import RefusedAddress, check_address

		host = engine.webhook_url_refusal(action.webhook_url, f"#{action.idx}")
		if host == "localhost":
			addresses = ["127.0.0.1"]
		else:
			try:
				addresses = [str(ipaddress.ip_address(host))]
			except ValueError:
				return  # a host name: checked when the call is made, against what it resolves to then
		try:
			check_address(action.webhook_url, addresses)
		except RefusedAddress as e:
			frappe.throw(_("Action #{0} (Webhook): {1}").format(action.idx, e))

	def set_next_run(self):
		if self.trigger not in engine.TIME_TRIGGERS or not self.enabled:
			self.next_run_at = None
			return
		before = self.get_doc_before_save()
		changed = not before or any(str(before.get(f)) != str(self.get(f)) for f in SCHEDULE_FIELDS)
		if changed or not self.next_run_at:
			self.next_run_at = engine.next_run(self.as_dict(), now_datetime())

	def on_update(self):
		clear_rules_cache()

	def on_trash(self):
		clear_rules_cache()
