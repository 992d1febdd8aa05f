// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.query_reports["Pipeline by Sales Stage"] = {
	filters: [{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" }],
};
