"""Who may see what: notes, enrollments and activities follow the record they are on."""

import frappe
from frappe.model.db_query import DatabaseQuery
from frappe.permissions import get_role_permissions

from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES


def crm_action_note_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""A note is visible, editable and creatable only by users who can read its record."""
	return _can_read_record(doc.reference_doctype, doc.reference_name, user, _is_new(doc))


def sequence_record_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""Enrollments and activities: only for users who can read the record they run on. Only the app
	makes and changes them (connect, the runner, the API), so no user may create, write or share
	them, whatever the role permissions say; a manager may delete one."""
	if ptype in SEQUENCE_RECORD_CHANGES:
		return False
	if doc.record_type and doc.record_type not in CUSTOMER_FACING_DOCTYPES:
		return False
	return _can_read_record(doc.record_type, doc.record_name, user, _is_new(doc))


SEQUENCE_RECORD_CHANGES = ("create", "write", "submit", "cancel", "amend", "share", "import")


def automation_approval_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""An approval request is the approver's; managers of automation see them all."""
	user = user or frappe.session.user
	if manages_sequences(user):
		return True
	return doc.approver == user


def automation_approval_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if manages_sequences(user):
		return ""
	return f"`tabAutomation Approval`.approver = {frappe.db.escape(user)}"


def _can_read_record(doctype: str | None, name: str | None, user: str | None, is_new: bool = False) -> bool:
	if not (doctype and name):
		return True  # a new, empty document; the record is checked when it is set
	if not frappe.db.exists(doctype, name):
		# a new document: its link validation names the missing record; otherwise the history of a
		# deleted record, which only the managers of sequences and automation see
		return is_new or manages_sequences(user)
	return bool(frappe.has_permission(doctype, "read", name, user=user))


def _is_new(doc) -> bool:
	return bool(doc.is_new()) if hasattr(doc, "is_new") else not doc.get("creation")


def crm_action_note_query_conditions(user: str | None = None) -> str:
	return _records_query_conditions("CRM Action Note", "reference_doctype", "reference_name", user)


def sequence_enrollment_query_conditions(user: str | None = None) -> str:
	return _records_query_conditions("Sequence Enrollment", "record_type", "record_name", user)


def sequence_activity_query_conditions(user: str | None = None) -> str:
	return _records_query_conditions("Sequence Activity", "record_type", "record_name", user)


def _records_query_conditions(table: str, doctype_field: str, name_field: str, user: str | None) -> str:
	"""List / report filter: rows on records the user can read, record type by record type."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""

	allowed = []
	for doctype in installed_record_types():
		if not _can_read_doctype(doctype, user):
			continue
		escaped = frappe.db.escape(doctype)
		record_conditions = DatabaseQuery(doctype, user=user).build_match_conditions()
		if record_conditions:
			allowed.append(
				f"(`tab{table}`.{doctype_field} = {escaped} and `tab{table}`.{name_field} in "
				f"(select `tab{doctype}`.name from `tab{doctype}` where {record_conditions}))"
			)
		else:
			allowed.append(f"`tab{table}`.{doctype_field} = {escaped}")

	return "(" + " or ".join(allowed) + ")" if allowed else "1=0"


def installed_record_types() -> list[str]:
	"""The customer-facing record types this site has (Prospect needs a recent ERPNext)."""
	return [doctype for doctype in CUSTOMER_FACING_DOCTYPES if frappe.db.exists("DocType", doctype)]


def _can_read_doctype(doctype: str, user: str) -> bool:
	role_permissions = get_role_permissions(frappe.get_meta(doctype), user=user)
	return bool(role_permissions.get("read") or role_permissions.get("select"))


ALWAYS_MAY_USE_SEQUENCES = ("Sequence Manager", "System Manager", "Administrator")


def manages_sequences(user: str | None = None) -> bool:
	"""Sequence Managers and System Managers manage everyone's sequences, activities and rules."""
	return bool(set(frappe.get_roles(user)) & set(ALWAYS_MAY_USE_SEQUENCES))


def may_use_sequences(user: str | None = None) -> bool:
	"""Whether the user may create and connect sequences (Sales Accelerator Settings can restrict it)."""
	user = user or frappe.session.user
	allowed = set(
		frappe.get_all(
			"Sales Accelerator Role",
			filters={"parenttype": "Sales Accelerator Settings", "parentfield": "sequence_roles"},
			pluck="role",
		)
	)
	if not allowed:
		return True
	roles = set(frappe.get_roles(user))
	return bool(roles & (allowed | set(ALWAYS_MAY_USE_SEQUENCES)))


def check_may_use_sequences(user: str | None = None):
	if not may_use_sequences(user):
		frappe.throw(
			frappe._("Only some roles may create and connect sequences here; ask your administrator."),
			frappe.PermissionError,
		)
