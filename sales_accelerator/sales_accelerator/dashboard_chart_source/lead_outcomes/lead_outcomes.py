# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

"""Leads won, lost and disqualified in the last 30 days, counted among the Leads the user may read:
won and lost by the Leads' status (of those changed in that time), disqualified by when they were
marked Unqualified (new Leads start Unqualified, which is no outcome)."""

import frappe
from frappe import _
from frappe.utils import add_days, now_datetime

from sales_accelerator.setup.install import DISQUALIFIED_FIELD

DAYS = 30


def outcomes() -> tuple:
	"""(label, filters on Lead) of each outcome."""
	since = add_days(now_datetime(), -DAYS)
	changed = {"modified": [">=", since]}
	return (
		(_("Won"), {"status": "Converted", **changed}),
		(_("Lost"), {"status": ["in", ["Lost Quotation", "Do Not Contact"]], **changed}),
		(_("Unqualified"), {"qualification_status": "Unqualified", DISQUALIFIED_FIELD: [">=", since]}),
	)


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
	shown = outcomes()
	counts = [
		frappe.get_list("Lead", filters=where, fields=["count(*) as n"])[0].n
		for _label, where in shown
	]
	return {
		"labels": [label for label, _where in shown],
		"datasets": [{"name": _("Leads"), "values": counts}],
		"type": "bar",
	}
