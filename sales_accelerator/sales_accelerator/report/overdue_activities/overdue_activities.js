// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.query_reports["Overdue Activities"] = {
	filters: [
		{ fieldname: "seller", label: __("Seller"), fieldtype: "Link", options: "User" },
		{ fieldname: "sequence", label: __("Sequence"), fieldtype: "Link", options: "Sequence" },
		sales_accelerator.record_type_filter(),
		sales_accelerator.activity_kind_filter(),
		sales_accelerator.report_scope_filter(),
	],
	onload: (report) => sales_accelerator.limit_report_scopes(report),
};
