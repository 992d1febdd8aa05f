// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

const KNOWN_KINDS = ["Sequence Activity", "ToDo"];

frappe.ui.form.on("Escalation Rule", {
	refresh(frm) {
		frm.trigger("document_type_fields");
		frm.trigger("render_filters");
		if (!frm.is_new()) {
			frm.add_custom_button(__("Escalations"), () =>
				frappe.set_route("List", "Escalation Log", { rule: frm.doc.name })
			);
			frm.add_custom_button(__("Watched Items"), () =>
				frappe.set_route("List", "Escalation Watch", { rule: frm.doc.name })
			);
		}
	},

	document_type(frm) {
		frm.set_value("filters", "");
		frm.set_value("due_field", "");
		frm.set_value("assignee_field", "");
		frm.trigger("document_type_fields");
		frm.trigger("render_filters");
	},

	// Field pickers list the date fields and the user fields of the chosen document type
	document_type_fields(frm) {
		const doctype = frm.doc.document_type;
		if (!doctype || KNOWN_KINDS.includes(doctype)) return;
		frappe.model.with_doctype(doctype, () => {
			const fields = frappe.meta.get_docfields(doctype);
			const option = (df) => ({ value: df.fieldname, label: `${__(df.label || df.fieldname)} (${df.fieldname})` });
			frm.set_df_property(
				"due_field",
				"options",
				fields.filter((df) => ["Date", "Datetime"].includes(df.fieldtype)).map(option)
			);
			frm.set_df_property("assignee_field", "options", [
				{ value: "_assign", label: __("Assigned To (its assignments)") },
				{ value: "owner", label: __("Created By (owner)") },
				...fields.filter((df) => df.fieldtype === "Link" && df.options === "User").map(option),
			]);
		});
	},

	// The form's filter buttons write the Frappe filter JSON of the "filters" field
	render_filters(frm) {
		const wrapper = frm.get_field("filters_html").$wrapper.empty();
		if (!frm.doc.document_type) {
			wrapper.html(`<p class="text-muted small">${__("Choose a Document Type to add filters.")}</p>`);
			return;
		}
		frappe.model.with_doctype(frm.doc.document_type, () => {
			const filter_group = new frappe.ui.FilterGroup({
				parent: $("<div>").appendTo(wrapper),
				doctype: frm.doc.document_type,
				on_change: () => {
					const filters = filter_group.get_filters().map((f) => f.slice(1, 4));
					const value = filters.length ? JSON.stringify(filters) : "";
					if ((frm.doc.filters || "") !== value) frm.set_value("filters", value);
				},
			});
			let saved = [];
			try {
				saved = JSON.parse(frm.doc.filters || "[]");
			} catch (e) {
				saved = [];
			}
			filter_group.add_filters_to_filter_group(saved.map((f) => [frm.doc.document_type, ...f.slice(-3)]));
		});
	},
});
