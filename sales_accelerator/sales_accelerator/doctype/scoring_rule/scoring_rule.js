// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.ui.form.on("Scoring Rule", {
	setup(frm) {
		frm.set_query("document_type", () => ({
			filters: { name: ["in", ["Lead", "Contact", "Opportunity", "Customer", "Prospect"]] },
		}));
	},

	refresh(frm) {
		frm.trigger("score_fields");
		if (!frm.is_new() && frm.doc.enabled && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Rescore Now"), () =>
				frm.call("rescore").then(() =>
					frappe.show_alert(__("The {0} records are being rescored in the background.", [__(frm.doc.document_type)]))
				)
			);
		}
	},

	document_type(frm) {
		frm.trigger("score_fields");
	},

	// Score Field lists the whole-number fields of the chosen document type
	score_fields(frm) {
		if (!frm.doc.document_type) return;
		frappe.model.with_doctype(frm.doc.document_type, () => {
			const fields = frappe.meta
				.get_docfields(frm.doc.document_type)
				.filter((df) => df.fieldtype === "Int" && !df.permlevel)
				.map((df) => ({ value: df.fieldname, label: `${__(df.label || df.fieldname)} (${df.fieldname})` }));
			frm.set_df_property("score_field", "options", fields);
		});
	},
});

// Each criterion's filters with the filter buttons, as an Automation Rule's
frappe.ui.form.on("Scoring Rule Criterion", {
	form_render(frm, cdt, cdn) {
		const grid_row = frm.fields_dict.criteria.grid.grid_rows_by_docname[cdn];
		const field = grid_row && grid_row.grid_form && grid_row.grid_form.fields_dict.filters_html;
		if (!field) return;
		sales_accelerator.filter_editor(field.$wrapper, frm.doc.document_type, locals[cdt][cdn].filters, (value) => {
			if ((locals[cdt][cdn].filters || "") !== value) frappe.model.set_value(cdt, cdn, "filters", value);
		});
	},
});
