# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe import _
from frappe.utils import escape_html

from sales_accelerator import insights
from sales_accelerator.utils import chart_label, escape_fields


def execute(filters=None):
	filters = filters or {}
	rows = insights.performance(filters)
	reasons = exit_reason_columns(rows)
	for row in rows:
		for column in reasons:
			row[column["fieldname"]] = row["exit_reasons"].get(column["reason"], 0)
	shown = chart(rows)
	return columns(reasons), escape_fields(rows, "title"), None, shown


def columns(reasons: list[dict]) -> list[dict]:
	return [
		{"fieldname": "sequence", "label": _("Sequence"), "fieldtype": "Link", "options": "Sequence", "width": 110},
		{"fieldname": "title", "label": _("Title"), "fieldtype": "Data", "width": 220},
		{"fieldname": "enrolled", "label": _("Enrolled"), "fieldtype": "Int", "width": 90},
		{"fieldname": "active", "label": _("Active"), "fieldtype": "Int", "width": 80},
		{"fieldname": "completed", "label": _("Completed"), "fieldtype": "Int", "width": 95},
		{"fieldname": "exited", "label": _("Exited"), "fieldtype": "Int", "width": 80},
		{"fieldname": "disconnected", "label": _("Disconnected"), "fieldtype": "Int", "width": 105},
		{"fieldname": "failed", "label": _("Failed"), "fieldtype": "Int", "width": 75},
		{"fieldname": "replied", "label": _("Replied"), "fieldtype": "Int", "width": 80},
		{"fieldname": "reply_rate", "label": _("Reply Rate %"), "fieldtype": "Percent", "precision": 1, "width": 105},
		{"fieldname": "meetings", "label": _("Meetings Booked"), "fieldtype": "Int", "width": 120},
		{"fieldname": "meeting_rate", "label": _("Meeting Rate %"), "fieldtype": "Percent", "precision": 1, "width": 115},
		{"fieldname": "converted", "label": _("Converted"), "fieldtype": "Int", "width": 95},
		{"fieldname": "conversion_rate", "label": _("Conversion Rate %"), "fieldtype": "Percent", "precision": 1, "width": 130},
		{"fieldname": "median_days", "label": _("Median Days to Complete"), "fieldtype": "Float", "precision": 1, "width": 170},
		*reasons,
	]


def exit_reason_columns(rows: list[dict]) -> list[dict]:
	"""A column for each of the commonest exit reasons ("Exited: The person replied", ...)."""
	totals = {}
	for row in rows:
		for reason, count in row["exit_reasons"].items():
			totals[reason] = totals.get(reason, 0) + count
	common = sorted(totals, key=lambda reason: (-totals[reason], reason))[: insights.SHOWN_EXIT_REASONS]
	return [
		{
			"fieldname": f"exit_reason_{i}",
			"label": _("Exited: {0}").format(escape_html(reason)),
			"fieldtype": "Int",
			"width": 160,
			"reason": reason,
		}
		for i, reason in enumerate(common, 1)
	]


def chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	shown = rows[:12]
	return {
		"data": {
			"labels": [chart_label(row["title"]) for row in shown],
			"datasets": [
				{"name": _("Enrolled"), "values": [row["enrolled"] for row in shown]},
				{"name": _("Completed"), "values": [row["completed"] for row in shown]},
				{"name": _("Replied"), "values": [row["replied"] for row in shown]},
				{"name": _("Converted"), "values": [row["converted"] for row in shown]},
			],
		},
		"type": "bar",
	}
