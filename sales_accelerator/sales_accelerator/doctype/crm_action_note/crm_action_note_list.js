frappe.listview_settings["CRM Action Note"] = {
	add_fields: ["crm_action", "crm_status", "reference_doctype", "reference_title"],
	formatters: {
		crm_action: (value) => sales_accelerator.badge("actions", value),
		crm_status: (value) => sales_accelerator.badge("statuses", value),
		reference_name: (value, df, doc) =>
			`${__(doc.reference_doctype)}: ${frappe.utils.escape_html(doc.reference_title || value)}`,
	},
	onload() {
		// dropdown variables are colour-coded too
		for (const variable of sales_accelerator.crm_config().variables) {
			if (variable.variable_type === "Dropdown") {
				this.formatters[variable.fieldname] = (value) =>
					sales_accelerator.option_badge(variable.fieldname, value);
			}
		}
	},
};
