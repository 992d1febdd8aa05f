// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.ui.form.on("Automation Rule", {
	refresh(frm) {
		frm.trigger("document_type_fields");
		frm.trigger("render_filters");
		if (!frm.is_new()) {
			frm.add_custom_button(__("Runs"), () =>
				frappe.set_route("List", "Automation Rule Log", { rule: frm.doc.name })
			);
		}
	},

	document_type(frm) {
		frm.set_value("filters", "");
		frm.trigger("document_type_fields");
		frm.trigger("render_filters");
	},

	// Field pickers list the fields of the chosen document type
	document_type_fields(frm) {
		if (!frm.doc.document_type) return;
		frappe.model.with_doctype(frm.doc.document_type, () => {
			const fields = frappe.meta
				.get_docfields(frm.doc.document_type)
				.filter((df) => !frappe.model.no_value_type.includes(df.fieldtype));
			const options = (filter) =>
				fields.filter(filter).map((df) => ({ value: df.fieldname, label: `${__(df.label || df.fieldname)} (${df.fieldname})` }));
			const dates = options((df) => ["Date", "Datetime"].includes(df.fieldtype));
			frm.set_df_property("field_name", "options", options(() => true));
			frm.set_df_property("date_field", "options", [
				...dates,
				{ value: "creation", label: __("Created On") },
				{ value: "modified", label: __("Last Updated On") },
			]);
			const grid = frm.fields_dict.actions.grid;
			grid.update_docfield_property("field_to_set", "options", [...options(() => true)]);
			grid.update_docfield_property(
				"recipient_field",
				"options",
				options((df) => df.options === "User" || df.options === "Email" || df.fieldname.includes("email"))
			);
		});
	},

	// The form's filter buttons write the Frappe filter JSON of the "filters" field
	render_filters(frm) {
		sales_accelerator.filter_editor(frm.get_field("filters_html").$wrapper, frm.doc.document_type, frm.doc.filters, (value) => {
			if ((frm.doc.filters || "") !== value) frm.set_value("filters", value);
		});
	},
});
