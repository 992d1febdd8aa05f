# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.model.document import Document

from sales_accelerator.controllers.colour_coded import validate_colours, validate_unique_in_table
from sales_accelerator.crm import clear_crm_config_cache, get_crm_config
from sales_accelerator.engine import variables as engine
from sales_accelerator.utils import bold

NOTE = "CRM Action Note"


class CRMVariable(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from sales_accelerator.sales_accelerator.doctype.crm_variable_option.crm_variable_option import (
			CRMVariableOption,
		)

		description: DF.SmallText | None
		disabled: DF.Check
		display_order: DF.Int
		fieldname: DF.Data | None
		mandatory: DF.Check
		options: DF.Table[CRMVariableOption]
		variable_name: DF.Data
		variable_type: DF.Literal["Text", "Currency", "Date", "Numeric", "Dropdown"]
	# end: auto-generated types

	def before_insert(self):
		self.fieldname = engine.fieldname_for(self.variable_name, taken=note_fieldnames())

	def validate(self):
		self.variable_name = (self.variable_name or "").strip()
		self.validate_options()
		if not self.is_new():
			self.validate_type_change()
			self.validate_removed_options()

	def on_update(self):
		clear_crm_config_cache()
		sync_variable_fields()

	def on_trash(self):
		in_use = count_notes_with_value(self.fieldname, self.variable_type)
		if in_use:
			frappe.throw(
				_(
					"{0} holds values on {1} CRM Action Notes and cannot be deleted. Disable it instead."
				).format(bold(self.variable_name), in_use),
				frappe.LinkExistsError,
				title=_("Variable in Use"),
			)

	def after_delete(self):
		clear_crm_config_cache()
		if custom_field := frappe.db.exists("Custom Field", {"dt": NOTE, "fieldname": self.fieldname}):
			frappe.delete_doc("Custom Field", custom_field, ignore_permissions=True)
			# the link checks of delete_doc may have cached the meta again before the row was gone
			frappe.clear_cache(doctype=NOTE)

	def validate_options(self):
		if self.variable_type != "Dropdown":
			if self.options:
				frappe.throw(
					_(
						"Only Dropdown variables have options. Remove the {0} options or set {1} to Dropdown."
					).format(len(self.options), bold(_("Variable Type"))),
					title=_("Invalid Options"),
				)
			return

		if not self.options:
			frappe.throw(
				_("A Dropdown variable needs at least one option in {0}.").format(bold(_("Options"))),
				frappe.MandatoryError,
				title=_("Missing Options"),
			)
		for row in self.options:
			row.option_name = (row.option_name or "").strip()
			row.short_code = (row.short_code or "").strip() or None
			if "\n" in row.option_name:
				frappe.throw(_("Options, row {0}: an option is one line of text.").format(row.idx))
			validate_colours(row, _("Options, row {0}").format(row.idx))
		validate_unique_in_table(self.options, "option_name", "Options")
		validate_unique_in_table(self.options, "short_code", "Options")

	def validate_type_change(self):
		before = self.get_doc_before_save()
		if not before or before.variable_type == self.variable_type:
			return
		in_use = count_notes_with_value(self.fieldname, before.variable_type)
		if in_use:
			frappe.throw(
				_(
					"{0} cannot change from {1} to {2}: {3} CRM Action Notes hold values of the old type."
				).format(
					bold(_("Variable Type")),
					bold(_(before.variable_type)),
					bold(_(self.variable_type)),
					in_use,
				),
				title=_("Variable in Use"),
			)

	def validate_removed_options(self):
		before = self.get_doc_before_save()
		if not before or before.variable_type != "Dropdown":
			return
		kept = {row.option_name for row in self.options}
		for row in before.options:
			if row.option_name in kept:
				continue
			in_use = frappe.db.count(NOTE, {self.fieldname: row.option_name})
			if in_use:
				frappe.throw(
					_(
						"Option {0} is chosen on {1} CRM Action Notes and cannot be removed or renamed."
					).format(bold(row.option_name), in_use),
					title=_("Option in Use"),
				)


def note_fieldnames() -> set[str]:
	"""Every fieldname CRM Action Note has or will have, standard, custom or reserved by a variable."""
	taken = {df.fieldname for df in frappe.get_meta(NOTE).fields}
	taken.update(frappe.get_all("CRM Variable", pluck="fieldname"))
	taken.update(frappe.get_all("Custom Field", filters={"dt": NOTE}, pluck="fieldname"))
	return taken


def count_notes_with_value(fieldname: str, variable_type: str) -> int:
	if not fieldname or not frappe.db.has_column(NOTE, fieldname):
		return 0
	empty = 0 if engine.fieldtype_for(variable_type) in ("Float", "Currency") else ""
	return frappe.db.count(NOTE, {fieldname: ["not in", [empty]]})


def sync_variable_fields():
	"""Give CRM Action Note one field per CRM Variable, typed, ordered and labelled as the variable says.

	Runs after every variable change and on migrate, so the fields always match the variables.
	"""
	fields = []
	insert_after = "variables_section"
	for variable in engine.sort_by_order(get_crm_config()["variables"]):
		fields.append(
			{
				"fieldname": variable["fieldname"],
				"label": variable["name"],
				"fieldtype": engine.fieldtype_for(variable["variable_type"]),
				"options": engine.select_options(variable["options"])
				if variable["variable_type"] == "Dropdown"
				else None,
				"reqd": 1 if variable["mandatory"] and not variable["disabled"] else 0,
				"hidden": variable["disabled"],
				"description": variable["description"],
				"insert_after": insert_after,
				"in_standard_filter": 0 if variable["disabled"] else 1,
				"translatable": 0,
			}
		)
		insert_after = variable["fieldname"]
	if fields:
		create_custom_fields({NOTE: fields}, update=True)
