# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe import _

from sales_accelerator import insights
from sales_accelerator.utils import escape_fields


def execute(filters=None):
	filters = filters or {}
	rows, total = insights.overdue_activities(filters)
	for row in rows:
		row["kind"] = _(row["step_type"])
	message = None
	if total > len(rows):
		message = _("Showing the {0} most overdue of {1} overdue activities: narrow the filters to see the rest.").format(
			len(rows), total
		)
	return columns(), escape_fields(rows, "subject", "record_title", "sequence_title"), message


def columns() -> list[dict]:
	return [
		{"fieldname": "name", "label": _("Activity"), "fieldtype": "Link", "options": "Sequence Activity", "width": 110},
		{"fieldname": "days_overdue", "label": _("Days Overdue"), "fieldtype": "Float", "precision": 1, "width": 110},
		{"fieldname": "due", "label": _("Due"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "subject", "label": _("Subject"), "fieldtype": "Data", "width": 200},
		{"fieldname": "kind", "label": _("Kind"), "fieldtype": "Data", "width": 110},
		{"fieldname": "record_title", "label": _("Record Title"), "fieldtype": "Data", "width": 170},
		{"fieldname": "record_type", "label": _("Record Type"), "fieldtype": "Data", "width": 100},
		{"fieldname": "record_name", "label": _("Record"), "fieldtype": "Dynamic Link", "options": "record_type", "width": 150},
		{"fieldname": "seller", "label": _("Seller"), "fieldtype": "Link", "options": "User", "width": 180},
		{"fieldname": "sequence_title", "label": _("Sequence Title"), "fieldtype": "Data", "width": 170},
		{"fieldname": "sequence", "label": _("Sequence"), "fieldtype": "Link", "options": "Sequence", "width": 110},
	]
