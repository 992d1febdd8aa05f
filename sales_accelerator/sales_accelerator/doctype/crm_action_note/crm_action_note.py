# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.model.document import Document
from frappe.utils import strip_html

from sales_accelerator.controllers.colour_coded import throw_engine_error
from sales_accelerator.crm import get_crm_config
from sales_accelerator.engine import EngineError
from sales_accelerator.engine.variables import normalize_value
from sales_accelerator.sequences.enrollment import record_title
from sales_accelerator.setup.install import STATUS_FIELD
from sales_accelerator.utils import bold, check_record_type


class CRMActionNote(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assignee: DF.Link | None
		crm_action: DF.Link
		crm_status: DF.Link | None
		due_date: DF.Date | None
		note: DF.TextEditor | None
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		reference_title: DF.Data | None
		title: DF.Data | None
	# end: auto-generated types

	def before_validate(self):
		# before Frappe casts the values: "abc" in a number field must be refused, not stored as 0
		self.normalize_variable_values()

	def validate(self):
		self.validate_reference()
		self.validate_assignee()
		self.set_default_status()
		self.set_title()

	def on_update(self):
		self.sync_assignment()
		before = self.get_doc_before_save()
		if before and (before.reference_doctype, before.reference_name) != (
			self.reference_doctype,
			self.reference_name,
		):
			update_record_status(before.reference_doctype, before.reference_name)
		update_record_status(self.reference_doctype, self.reference_name)

	def after_delete(self):
		update_record_status(self.reference_doctype, self.reference_name)

	def normalize_variable_values(self):
		for variable in get_crm_config()["variables"]:
			fieldname = variable["fieldname"]
			if not self.meta.has_field(fieldname):
				continue
			try:
				value = normalize_value(
					_(variable["name"]), variable["variable_type"], self.get(fieldname), variable["options"]
				)
			except EngineError as e:
				throw_engine_error(e)
			if value is not None or variable["variable_type"] not in ("Numeric", "Currency"):
				self.set(fieldname, value)

	def validate_reference(self):
		check_record_type(self.reference_doctype)
		if not frappe.db.exists(self.reference_doctype, self.reference_name):
			frappe.throw(
				_("{0} {1} does not exist.").format(_(self.reference_doctype), bold(self.reference_name)),
				frappe.LinkValidationError,
			)
		if not self.flags.ignore_permissions and not frappe.has_permission(
			self.reference_doctype, "read", self.reference_name
		):
			frappe.throw(
				_("You cannot add notes to {0} {1}: you are not permitted to read it.").format(
					_(self.reference_doctype), bold(self.reference_name)
				),
				frappe.PermissionError,
			)
		self.reference_title = record_title(self.reference_doctype, self.reference_name)

	def validate_assignee(self):
		if not self.assignee:
			return
		enabled = frappe.db.get_value("User", self.assignee, "enabled")
		if not enabled or self.assignee == "Guest":
			frappe.throw(
				_("{0}: {1} is not an enabled user.").format(bold(_("Assigned To")), bold(self.assignee)),
				title=_("Invalid Assignee"),
			)

	def set_default_status(self):
		if self.is_new() and not self.crm_status:
			self.crm_status = frappe.db.get_single_value("Sales Accelerator Settings", "default_crm_status")

	def set_title(self):
		action = get_crm_config()["actions"].get(self.crm_action)
		action_label = _(action["label"]) if action else self.crm_action
		self.title = f"{action_label}: {self.reference_title}"[:140]

	@property
	def is_closed(self) -> bool:
		status = get_crm_config()["statuses"].get(self.crm_status)
		return bool(status and status["closes_note"])

	def sync_assignment(self):
		"""Keep the assignee's ToDo in step with the note: one open ToDo while the note is open."""
		before = self.get_doc_before_save()
		previous = before.assignee if before else None
		if previous and previous != self.assignee:
			assign_to.remove(self.doctype, self.name, previous, ignore_permissions=True)

		if self.is_closed:
			assign_to.close_all_assignments(self.doctype, self.name, ignore_permissions=True)
			return
		if not self.assignee:
			return

		open_todo = frappe.db.get_value(
			"ToDo",
			{
				"reference_type": self.doctype,
				"reference_name": self.name,
				"allocated_to": self.assignee,
				"status": "Open",
			},
		)
		if open_todo:
			frappe.db.set_value(
				"ToDo", open_todo, {"date": self.due_date, "description": self.todo_description()}
			)
		else:
			assign_to.add(
				{
					"doctype": self.doctype,
					"name": self.name,
					"assign_to": [self.assignee],
					"date": self.due_date,
					"description": self.todo_description(),
				},
				ignore_permissions=True,
			)

	def todo_description(self) -> str:
		text = strip_html(self.note or "").strip()
		return f"{self.title}\n\n{text}" if text else self.title


def update_record_status(doctype: str | None, name: str | None):
	"""Show the status of the record's latest note in the record's CRM Status field."""
	if not (doctype and name) or not frappe.get_meta(doctype).has_field(STATUS_FIELD):
		return
	if not frappe.db.get_single_value("Sales Accelerator Settings", "show_status_on_records"):
		return
	if not frappe.db.exists(doctype, name):
		return
	latest = frappe.get_all(
		"CRM Action Note",
		filters={"reference_doctype": doctype, "reference_name": name, "crm_status": ["is", "set"]},
		pluck="crm_status",
		order_by="creation desc",
		limit=1,
	)
	frappe.db.set_value(doctype, name, STATUS_FIELD, latest[0] if latest else None, update_modified=False)
