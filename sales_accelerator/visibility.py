"""Whose work the user sees: the visibility profile of their roles (Sales Accelerator Settings) and
their team (the Employees under theirs, by Reports To). It narrows the app's lists of activities and
enrollments, the Work Queue, the workspace and the reports; it never widens the permissions on the
records themselves."""

import frappe

from sales_accelerator.engine import visibility as engine
from sales_accelerator.permissions import manages_sequences


def team(user: str) -> list[str]:
	"""The users of every Employee under the user's own, however deep (Employee is a tree on Reports
	To)."""
	if not user or user in ("Guest", "Administrator"):
		return []
	return frappe.db.sql_list(
		"""select distinct member.user_id from `tabEmployee` member
		join `tabEmployee` lead on member.lft > lead.lft and member.rgt < lead.rgt
		where lead.user_id = %s and ifnull(member.user_id, '') != '' and member.user_id != %s""",
		(user, user),
	)


def profile(user: str, members: list[str] | None = None) -> str:
	"""The user's profile: Own, Team or All. ``members``: their team, when already read."""
	rows = frappe.get_all(
		"Sales Accelerator Visibility",
		filters={"parenttype": "Sales Accelerator Settings", "parentfield": "visibility_profiles"},
		fields=["role", "profile"],
		order_by="idx asc",
	)
	profiles = {}
	for row in rows:  # a role listed twice sees the wider of the two
		if engine.PROFILES.index(row.profile) >= engine.PROFILES.index(profiles.get(row.role, engine.OWN)):
			profiles[row.role] = row.profile
	if members is None:
		members = team(user)
	return engine.profile_for(
		frappe.get_roles(user), profiles, manages=manages_sequences(user), has_team=bool(members)
	)


def scopes(user: str | None = None) -> list[str]:
	user = user or frappe.session.user
	members = team(user)
	return engine.scopes_for(profile(user, members), bool(members))


def sellers(user: str | None = None, scope: str | None = None) -> list[str] | None:
	"""The sellers whose work the user sees in ``scope`` (the widest they may when not given, or
	when they may not see it); None for everyone."""
	user = user or frappe.session.user
	members = team(user)
	chosen = engine.scope_for(scope, profile(user, members), bool(members))
	return engine.sellers_in_scope(chosen, user, members)


def condition(column: str, user: str | None = None, scope: str | None = None) -> str:
	"""SQL: ``column`` (a seller's user) is one the user sees in ``scope``; empty for everyone."""
	allowed = sellers(user, scope)
	if allowed is None:
		return ""
	return f"{column} in ({', '.join(frappe.db.escape(seller) for seller in allowed)})"


def set_default_profiles():
	"""Ship the defaults (a seller sees their own work, a sales manager everyone's) when the site
	has none yet."""
	settings = frappe.get_single("Sales Accelerator Settings")
	if settings.visibility_profiles:
		return
	for role, seen in engine.DEFAULT_PROFILES.items():
		if frappe.db.exists("Role", role):
			settings.append("visibility_profiles", {"role": role, "profile": seen})
	settings.flags.ignore_permissions = True
	settings.save()
