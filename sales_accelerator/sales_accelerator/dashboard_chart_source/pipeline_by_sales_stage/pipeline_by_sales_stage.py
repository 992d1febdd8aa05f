# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

"""The open pipeline: the amount of open Opportunities by Sales Stage, in the company's currency (an
Opportunity's amount at its exchange rate), among the Opportunities the user may read."""

import frappe
from frappe import _
from frappe.utils import flt

OPEN = ["Open", "Replied", "Quotation"]


@frappe.whitelist()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
):
	rows = frappe.get_list(
		"Opportunity",
		filters={"status": ["in", OPEN]},
		fields=["sales_stage", "sum(opportunity_amount * ifnull(conversion_rate, 1)) as amount"],
		group_by="sales_stage",
		order_by="amount desc",
	)
	return {
		"labels": [_(row.sales_stage) if row.sales_stage else _("No Stage") for row in rows],
		"datasets": [{"name": _("Amount"), "values": [flt(row.amount, 2) for row in rows]}],
		"type": "bar",
	}
