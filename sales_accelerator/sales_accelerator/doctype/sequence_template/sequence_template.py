# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _

from sales_accelerator.controllers.sequence import SequenceDocument, definition_hash


class SequenceTemplate(SequenceDocument):
	def validate(self):
		self.validate_steps(require_complete=True)
		self.set_flow_numbers()
		if self.flags.shipped:  # written by the app from its shipped version
			self.shipped_hash = definition_hash(self)
		self.is_shipped_version = int(
			bool(self.is_standard and self.shipped_hash and definition_hash(self) == self.shipped_hash)
		)

	@frappe.whitelist()
	def restore_shipped_version(self):
		"""Put back the app's version of a shipped template, undoing the admin's changes."""
		from sales_accelerator.setup.install import shipped_sequence_templates

		self.check_permission("write")
		shipped = shipped_sequence_templates().get(self.name)
		if not shipped:
			frappe.throw(_("Sequence Template {0} is not one the app ships.").format(frappe.bold(self.name)))
		self.apply_shipped(shipped)
		self.save()

	def apply_shipped(self, data: dict):
		from sales_accelerator.controllers.sequence import DEFINITION_FIELDS

		self.set("steps", [])
		self.update({field: data.get(field) for field in DEFINITION_FIELDS if field in data})
		self.title = data["title"]
		self.is_standard = 1
		for step in data["steps"]:
			self.append("steps", step)
		self.flags.shipped = True
		return self
