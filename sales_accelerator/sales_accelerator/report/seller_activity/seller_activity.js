// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.query_reports["Seller Activity"] = {
	filters: [
		...sales_accelerator.report_period_filters(-6),
		{ fieldname: "seller", label: __("Seller"), fieldtype: "Link", options: "User" },
		sales_accelerator.activity_kind_filter(),
		sales_accelerator.report_scope_filter(),
	],
	onload: (report) => sales_accelerator.limit_report_scopes(report),
};
