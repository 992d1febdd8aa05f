# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

"""Leads won, lost and disqualified in a period (the last 30 days unless told), among the Leads the
user may read: won and lost by the Leads' status (of those changed in the period), disqualified by
when they were marked Unqualified (new Leads start Unqualified, which is no outcome)."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from sales_accelerator.setup.install import DISQUALIFIED_FIELD

DAYS = 30


def execute(filters=None):
	filters = filters or {}
	since = getdate(filters.get("from_date") or add_days(nowdate(), -DAYS))
	until = add_days(getdate(filters.get("to_date") or nowdate()), 1)
	changed = {"modified": ["between", [since, until]]}
	outcomes = (
		(_("Won"), {"status": "Converted", **changed}),
		(_("Lost"), {"status": ["in", ["Lost Quotation", "Do Not Contact"]], **changed}),
		(_("Unqualified"), {"qualification_status": "Unqualified", DISQUALIFIED_FIELD: ["between", [since, until]]}),
	)
	rows = [
		{"outcome": label, "leads": frappe.get_list("Lead", filters=where, fields=["count(*) as n"])[0].n}
		for label, where in outcomes
	]
	columns = [
		{"fieldname": "outcome", "label": _("Outcome"), "fieldtype": "Data", "width": 160},
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 100},
	]
	chart = {
		"data": {
			"labels": [row["outcome"] for row in rows],
			"datasets": [{"name": _("Leads"), "values": [row["leads"] for row in rows]}],
		},
		"type": "bar",
		"colors": ["#29CD42"],
	}
	return columns, rows, None, chart
