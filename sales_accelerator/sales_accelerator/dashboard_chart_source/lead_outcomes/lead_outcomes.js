// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Lead Outcomes"] = {
	method: "sales_accelerator.sales_accelerator.dashboard_chart_source.lead_outcomes.lead_outcomes.get",
	filters: [],
};
