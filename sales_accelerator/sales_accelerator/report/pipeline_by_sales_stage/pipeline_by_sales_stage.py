# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

"""The open pipeline: open Opportunities by Sales Stage with their amount in the company's currency
(each Opportunity's amount at its exchange rate), among the Opportunities the user may read."""

import frappe
from frappe import _
from frappe.utils import flt

OPEN = ["Open", "Replied", "Quotation"]


def execute(filters=None):
	filters = filters or {}
	where = {"status": ["in", OPEN]}
	if filters.get("company"):
		where["company"] = filters["company"]
	rows = frappe.get_list(
		"Opportunity",
		filters=where,
		fields=[
			"sales_stage",
			"count(*) as opportunities",
			"sum(opportunity_amount * ifnull(conversion_rate, 1)) as amount",
		],
		group_by="sales_stage",
		order_by="amount desc",
	)
	for row in rows:
		row["sales_stage"] = row.sales_stage or _("No Stage")
		row["amount"] = flt(row.amount, 2)
	columns = [
		{"fieldname": "sales_stage", "label": _("Sales Stage"), "fieldtype": "Data", "width": 180},
		{"fieldname": "opportunities", "label": _("Open Opportunities"), "fieldtype": "Int", "width": 150},
		{"fieldname": "amount", "label": _("Amount"), "fieldtype": "Float", "precision": 2, "width": 150},
	]
	chart = {
		"data": {
			"labels": [row["sales_stage"] for row in rows],
			"datasets": [{"name": _("Amount"), "values": [row["amount"] for row in rows]}],
		},
		"type": "bar",
		"colors": ["#5E64FF"],
	}
	return columns, rows, None, chart
