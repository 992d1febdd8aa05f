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
		self.set_sharing()
		self.validate_active_is_frozen()
		self.validate_steps(require_complete=self.status == "Active")
		self.set_flow_numbers()

	def set_sharing(self):
		"""A sequence for the owner's company or sales team names it (theirs, when not chosen), and only
		then."""
		from sales_accelerator.permissions import owner_company, owner_sales_team

		owner = self.owner or frappe.session.user
		# a company or team set by default (Frappe fills Company links) would hide it from others
		if self.visibility != "My company":
			self.company = None
		if self.visibility != "My sales team":
			self.sales_team = None
		if self.visibility == "My company":
			self.company = self.company or owner_company(owner)
			if not self.company:
				frappe.throw(
					_("Choose the {0} whose sellers see this sequence.").format(bold(_("Company"))),
					frappe.MandatoryError,
					title=_("Who Sees It"),
				)
		elif self.visibility == "My sales team":
			self.sales_team = self.sales_team or owner_sales_team(owner)
			if not self.sales_team:
				frappe.throw(
					_(
						"{0} is in no sales team (Sales Person of their Employee): choose the {1} whose sellers see this sequence."
					).format(bold(owner), bold(_("Sales Team"))),
					frappe.MandatoryError,
					title=_("Who Sees It"),
				)

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
