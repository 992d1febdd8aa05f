"""Small helpers shared by the app's controllers and services."""

from functools import partial

import frappe
from frappe import _
from frappe.utils import cstr, escape_html


def bold(value) -> str:
	"""A value in bold inside a message that the desk shows as HTML. Users' text (titles, subjects,
	names) is escaped, so it always shows as text and never runs as markup."""
	return f"<strong>{escape_html(cstr(value))}</strong>"


def check_record_type(record_type: str | None, label: str | None = None):
	"""Refuse a record type the app does not work on (Lead, Contact, Opportunity, Customer, Prospect);
	``label`` names the field (Record Type)."""
	from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES

	if record_type not in CUSTOMER_FACING_DOCTYPES:
		frappe.throw(
			_("{0} must be one of {1}, not {2}.").format(
				bold(label or _("Record Type")),
				", ".join(_(d) for d in CUSTOMER_FACING_DOCTYPES),
				bold(record_type),
			),
			title=_("Invalid Record Type"),
		)


def check_unchanged(doc, fieldnames, message: str):
	"""Refuse a change to fields fixed once the document exists; ``message`` names the field as {0}."""
	for fieldname in fieldnames:
		if doc.has_value_changed(fieldname):
			frappe.throw(message.format(bold(_(doc.meta.get_label(fieldname)))), title=_("Not Allowed"))


def clear_cache_now_and_at_end(key: str):
	"""Drop a cached value now, and again when this transaction ends: a rollback must not leave a
	change made in it behind, nor a commit a value another request read before it."""

	def delete():
		frappe.cache.delete_value(key)

	delete()
	if hasattr(frappe.db, "after_rollback"):
		frappe.db.after_commit.add(delete)
		frappe.db.after_rollback.add(delete)


def escape_fields(rows: list[dict], *fields: str) -> list[dict]:
	"""Report rows whose users' text (titles, subjects, reasons) shows as text: the report view renders
	Data cells as HTML."""
	for row in rows:
		for field in fields:
			if row.get(field):
				row[field] = escape_html(cstr(row[field]))
	return rows


def chart_label(text) -> str:
	"""A chart's label for users' text: the chart's tooltip takes it as HTML, its axis as text, so
	angle brackets become look-alikes that are never markup and read the same on both."""
	return cstr(text).replace("<", "‹").replace(">", "›")


def insert_todo(values: dict, name: str | None = None):
	"""Assign a record with a ToDo as ``frappe.desk.form.assign_to`` does: ToDo's own hooks add the
	"assigned" comment to the record and update its ``_assign``. The comment is inserted as
	``Document.add_comment`` inserts it, without loading the whole record first."""
	todo = frappe.get_doc({"doctype": "ToDo", **values})
	todo.add_assign_comment = partial(_add_assign_comment, todo)
	return todo.insert(ignore_permissions=True, ignore_links=True, set_name=name)


def _add_assign_comment(todo, text: str, comment_type: str):
	if not (todo.reference_type and todo.reference_name):
		return
	comment = frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": comment_type,
			"comment_email": frappe.session.user,
			"reference_doctype": todo.reference_type,
			"reference_name": todo.reference_name,
			"content": text,
		}
	)
	comment.insert(ignore_permissions=True, ignore_links=True)  # the ToDo's links were just checked
