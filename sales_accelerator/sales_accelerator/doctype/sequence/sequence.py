# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.utils import cint

from sales_accelerator.controllers.sequence import SequenceDocument
from sales_accelerator.permissions import check_may_use_sequences
from sales_accelerator.utils import bold

DEFAULT_MAX_ACTIVE = 250


class Sequence(SequenceDocument):
	def before_insert(self):
		if not self.flags.ignore_permissions:
			check_may_use_sequences()
		self.status = "Draft"

	def validate(self):
		self.validate_active_is_frozen()
		self.validate_steps(require_complete=self.status == "Active")
		self.set_flow_numbers()

	def validate_active_is_frozen(self):
		before = self.get_doc_before_save()
		if before and before.status == "Active" and self.status == "Active":
			if before.definition() != self.definition():
				frappe.throw(
					_(
						"Sequence {0} is active and cannot be changed. Deactivate it to edit it, or use Duplicate to get a Draft copy."
					).format(bold(self.title)),
					title=_("Active Sequence"),
				)

	def on_trash(self):
		running = frappe.db.count(
			"Sequence Enrollment", {"sequence": self.name, "status": ["in", ["Active", "Paused"]]}
		)
		if running:
			frappe.throw(
				_("Sequence {0} still runs on {1} records; disconnect them before deleting it.").format(
					bold(self.title), running
				),
				frappe.LinkExistsError,
			)

	@frappe.whitelist()
	def activate(self):
		self.check_permission("write")
		if self.status == "Active":
			return
		self.validate_steps(require_complete=True)
		self.check_active_limit()
		self.status = "Active"
		self.save()

	@frappe.whitelist()
	def deactivate(self):
		self.check_permission("write")
		if self.status != "Active":
			return
		self.status = "Inactive"
		self.save()

	def check_active_limit(self):
		limit = (
			cint(frappe.db.get_single_value("Sales Accelerator Settings", "max_active_sequences"))
			or DEFAULT_MAX_ACTIVE
		)
		active = frappe.db.count("Sequence", {"status": "Active", "name": ["!=", self.name]})
		if active >= limit:
			frappe.throw(
				_(
					"This site already has {0} active sequences, the most allowed (Sales Accelerator Settings: {1}). Deactivate one first."
				).format(active, bold(_("Maximum Active Sequences"))),
				title=_("Too Many Active Sequences"),
			)
