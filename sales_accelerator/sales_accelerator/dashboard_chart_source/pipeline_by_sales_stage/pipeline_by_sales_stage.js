// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Pipeline by Sales Stage"] = {
	method: "sales_accelerator.sales_accelerator.dashboard_chart_source.pipeline_by_sales_stage.pipeline_by_sales_stage.get",
	filters: [],
};
