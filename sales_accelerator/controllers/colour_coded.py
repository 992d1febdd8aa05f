"""Shared validation of the colour-coded lists: CRM Action, CRM Status and dropdown options."""

import frappe
from frappe import _
from frappe.model.document import Document

from sales_accelerator.crm import clear_crm_config_cache
from sales_accelerator.engine import EngineError, colours
from sales_accelerator.engine.variables import find_duplicates
from sales_accelerator.utils import bold


def throw_engine_error(error: EngineError, prefix: str | None = None):
	"""Raise a translated ``frappe.ValidationError`` from an engine error, its values in bold."""
	message = _(error.message).format(*(bold(arg) for arg in error.args_))
	frappe.throw(f"{prefix}: {message}" if prefix else message, title=_("Invalid Value"))


def validate_colours(row, where: str | None = None):
	"""Normalise ``row.font_color`` / ``row.background_color`` to ``#rrggbb`` and check they read well.

	``where`` names the row in errors (e.g. "Options, row 2").
	"""
	for fieldname in ("font_color", "background_color"):
		label = _(row.meta.get_label(fieldname))
		try:
			row.set(fieldname, colours.normalize_hex(row.get(fieldname)))
		except EngineError as e:
			throw_engine_error(e, ": ".join(filter(None, (where, label))))

	if not colours.is_readable(row.font_color, row.background_color):
		message = _("{0} {1} cannot be read on {2} {3}; choose colours that differ more.").format(
			_(row.meta.get_label("font_color")),
			bold(row.font_color),
			_(row.meta.get_label("background_color")),
			bold(row.background_color),
		)
		frappe.throw(f"{where}: {message}" if where else message, title=_("Unreadable Colours"))


def validate_unique_in_table(rows, fieldname: str, table_label: str):
	"""Refuse two rows of a child table with the same value (ignoring case and spaces)."""
	duplicates = find_duplicates(row.get(fieldname) for row in rows)
	if duplicates:
		label = _(rows[0].meta.get_label(fieldname))
		frappe.throw(
			_("{0}: {1} must be unique, but {2} is used more than once.").format(
				_(table_label), label, ", ".join(bold(d) for d in duplicates)
			),
			title=_("Duplicate Value"),
		)


class ColourCodedDocument(Document):
	"""Base of CRM Action and CRM Status: named by a unique short code, titled by ``label_field``."""

	label_field: str

	def before_insert(self):
		self.short_code = (self.short_code or "").strip()
		self.validate_short_code_unique()

	def validate(self):
		self.set(self.label_field, (self.get(self.label_field) or "").strip())
		validate_colours(self)

	def validate_short_code_unique(self):
		existing = frappe.db.get_value(self.doctype, {"name": self.short_code}, self.label_field)
		if existing is not None:
			frappe.throw(
				_("Short Code {0} is already used by {1} {2}.").format(
					bold(self.short_code), _(self.doctype), bold(existing)
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Short Code"),
			)

	def on_change(self):
		clear_crm_config_cache()

	def on_trash(self):
		self.on_change()
