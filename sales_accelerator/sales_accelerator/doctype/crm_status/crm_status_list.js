frappe.listview_settings["CRM Status"] = {
	add_fields: ["font_color", "background_color"],
	formatters: {
		short_code: (value, df, doc) =>
			sales_accelerator.pill(value, doc.font_color, doc.background_color),
	},
};
