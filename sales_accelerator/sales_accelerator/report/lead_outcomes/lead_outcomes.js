// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.query_reports["Lead Outcomes"] = {
	filters: sales_accelerator.report_period_filters(-30),
};
