# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe import _

from sales_accelerator import insights
from sales_accelerator.utils import chart_label, escape_fields


def execute(filters=None):
	filters = filters or {}
	rows = insights.step_funnel(filters)
	shown = chart(rows)
	return columns(), escape_fields(rows, "label", "why"), None, shown


def columns() -> list[dict]:
	return [
		{"fieldname": "label", "label": _("Step"), "fieldtype": "Data", "width": 240},
		{"fieldname": "step_type", "label": _("Kind"), "fieldtype": "Data", "width": 130},
		{"fieldname": "reached", "label": _("Reached"), "fieldtype": "Int", "width": 90},
		{"fieldname": "share", "label": _("% of Enrolled"), "fieldtype": "Percent", "precision": 1, "width": 110},
		{"fieldname": "yes", "label": _("Took Yes"), "fieldtype": "Int", "width": 85},
		{"fieldname": "no", "label": _("Took No"), "fieldtype": "Int", "width": 85},
		{"fieldname": "here", "label": _("On It Now"), "fieldtype": "Int", "width": 90},
		{"fieldname": "dropped", "label": _("Dropped Out Here"), "fieldtype": "Int", "width": 130},
		{"fieldname": "why", "label": _("Why They Dropped Out"), "fieldtype": "Data", "width": 300},
	]


def chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [chart_label(row["label"]) for row in rows],
			"datasets": [
				{"name": _("Reached"), "values": [row["reached"] for row in rows]},
				{"name": _("Dropped Out Here"), "values": [row["dropped"] for row in rows]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 0},
	}
