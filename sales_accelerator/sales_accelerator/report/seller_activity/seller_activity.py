# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from collections import Counter

from frappe import _

from sales_accelerator import insights
from sales_accelerator.engine.insights import SELLER_COUNTS


def labels() -> dict[str, str]:
	return {
		"done": _("Done"),
		"skipped": _("Skipped"),
		"open": _("Open"),
		"overdue": _("Overdue"),
		"calls": _("Calls Done"),
		"emails": _("Emails Done"),
		"tasks": _("Tasks Done"),
		"meetings": _("Meetings Done"),
		"linkedin": _("LinkedIn Done"),
		"answered": _("Calls Answered"),
		"no_answer": _("No Answer"),
		"left_voicemail": _("Left Voicemail"),
		"wrong_number": _("Wrong Number"),
	}


def execute(filters=None):
	filters = filters or {}
	rows = insights.seller_activity(filters)
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	label = labels()
	return [
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "seller", "label": _("Seller"), "fieldtype": "Link", "options": "User", "width": 200},
		*({"fieldname": field, "label": label[field], "fieldtype": "Int", "width": 95} for field in SELLER_COUNTS),
	]


def chart(rows: list[dict]) -> dict | None:
	"""Done and overdue per day, all the shown sellers together."""
	if not rows:
		return None
	done, overdue = Counter(), Counter()
	for row in rows:
		done[row["date"]] += row["done"]
		overdue[row["date"]] += row["overdue"]
	days = sorted(set(done) | set(overdue))
	return {
		"data": {
			"labels": [str(day) for day in days],
			"datasets": [
				{"name": _("Done"), "values": [done[day] for day in days]},
				{"name": _("Overdue"), "values": [overdue[day] for day in days]},
			],
		},
		"type": "bar",
		"colors": ["#29CD42", "#E24C4C"],
	}
