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


def score_contribution_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""A record's score contributions: only for users who can read the record. Only the app writes
	them."""
	if ptype in SEQUENCE_RECORD_CHANGES:
		return False
	return _can_read_record(doc.reference_doctype, doc.reference_name, user, _is_new(doc))


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


def escalation_log_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""Escalation Logs are made by the app: nobody creates, changes or shares them. Managers read them
	all; a seller the escalations from or to them."""
	if ptype in SEQUENCE_RECORD_CHANGES:
		return False
	user = user or frappe.session.user
	return sees_all_escalations(user) or user in (doc.from_user, doc.to_user)


def escalation_log_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_escalations(user):
		return ""
	escaped = frappe.db.escape(user)
	return f"(`tabEscalation Log`.from_user = {escaped} or `tabEscalation Log`.to_user = {escaped})"


def escalation_watch_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""What an escalation rule is watching is kept by the app; the managers of automation read it."""
	return ptype not in SEQUENCE_RECORD_CHANGES


def sees_all_escalations(user: str) -> bool:
	return manages_sequences(user) or "Sales Manager" in frappe.get_roles(user)


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
	return _sellers_work_conditions("Sequence Enrollment", user)


def sequence_activity_query_conditions(user: str | None = None) -> str:
	return _sellers_work_conditions("Sequence Activity", user)


def _sellers_work_conditions(table: str, user: str | None) -> str:
	"""Lists and reports of enrollments and activities: on records the user can read, and of the
	sellers their visibility profile shows (own, team or all)."""
	from sales_accelerator import visibility

	user = user or frappe.session.user
	records = _records_query_conditions(table, "record_type", "record_name", user)
	sellers = visibility.condition(f"`tab{table}`.seller", user)
	return " and ".join(filter(None, [records, sellers]))


def score_contribution_query_conditions(user: str | None = None) -> str:
	return _records_query_conditions("Score Contribution", "reference_doctype", "reference_name", user)


def _records_query_conditions(table: str, doctype_field: str, name_field: str, user: str | None) -> str:
	"""List / report filter: rows on records the user can read, record type by record type. The
	history of a deleted record stays in lists (and reports) for those who read its record type;
	opening one is for the managers of sequences (``_can_read_record``)."""
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
			# not among the records the user may not read: that set is read once and is usually
			# empty (a company user permission on a one-company site), where "among the records they
			# may read" looks up every row (a history of a million activities takes seconds)
			allowed.append(
				f"(`tab{table}`.{doctype_field} = {escaped} and `tab{table}`.{name_field} not in "
				f"(select `tab{doctype}`.name from `tab{doctype}` where not coalesce(({record_conditions}), 0)))"
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


# -- who sees a sequence: everyone, the owner's company, or the owner's sales team ----------------------
def sequence_has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	"""A sequence shared with a company or a sales team is for them (and its owner and the managers
	of sequences) to view, copy and connect; the role permissions decide the rest."""
	user = user or frappe.session.user
	if _is_new(doc) or doc.owner == user or manages_sequences(user):
		return True
	visibility = doc.get("visibility") or "Everyone"
	if visibility == "My company":
		return bool(doc.company) and doc.company in user_companies(user)
	if visibility == "My sales team":
		return bool(doc.sales_team) and doc.sales_team in user_sales_teams(user)
	return True


def sequence_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if manages_sequences(user):
		return ""
	table = "`tabSequence`"
	allowed = [
		f"ifnull({table}.visibility, '') in ('', 'Everyone')",
		f"{table}.owner = {frappe.db.escape(user)}",
	]
	for visibility, field, values in (
		("My company", "company", user_companies(user)),
		("My sales team", "sales_team", user_sales_teams(user)),
	):
		if values:
			listed = ", ".join(frappe.db.escape(v) for v in values)
			allowed.append(
				f"({table}.visibility = {frappe.db.escape(visibility)} and {table}.{field} in ({listed}))"
			)
	return "(" + " or ".join(allowed) + ")"


def user_companies(user: str) -> set[str]:
	"""The companies a user works for: their Employee's, their default one, their User Permissions'."""
	companies = set(
		frappe.get_all("Employee", filters={"user_id": user, "status": "Active"}, pluck="company")
	)
	companies.update(
		frappe.get_all("User Permission", filters={"user": user, "allow": "Company"}, pluck="for_value")
	)
	own_defaults = frappe.defaults.get_defaults_for(user)  # the user's own, not the site's
	companies.update(own_defaults.get(key) for key in ("company", "Company"))
	return {c for c in companies if c and isinstance(c, str)}


def user_sales_teams(user: str) -> set[str]:
	"""The Sales Person nodes a user belongs to: their own (through their Employee) and every group
	above it, so a sequence shared with a team reaches the whole subtree."""
	from frappe.utils.nestedset import get_ancestors_of

	if not frappe.db.exists("DocType", "Sales Person"):
		return set()
	employees = frappe.get_all("Employee", filters={"user_id": user}, pluck="name")
	own = (
		frappe.get_all("Sales Person", filters={"employee": ["in", employees], "enabled": 1}, pluck="name")
		if employees
		else []
	)
	teams = set(own)
	for node in own:
		teams.update(get_ancestors_of("Sales Person", node))
	return teams


def owner_sales_team(user: str) -> str | None:
	"""The team a user is in: their Sales Person's group (their own node when they lead a group)."""
	employees = frappe.get_all("Employee", filters={"user_id": user}, pluck="name")
	if not employees or not frappe.db.exists("DocType", "Sales Person"):
		return None
	node = frappe.db.get_value(
		"Sales Person",
		{"employee": ["in", employees], "enabled": 1},
		["name", "is_group", "parent_sales_person"],
		as_dict=True,
	)
	if not node:
		return None
	return node.name if node.is_group else node.parent_sales_person


def owner_company(user: str) -> str | None:
	return (
		frappe.db.get_value("Employee", {"user_id": user, "status": "Active"}, "company")
		or frappe.defaults.get_user_default("Company", user=user)
		or frappe.defaults.get_global_default("company")
	)
