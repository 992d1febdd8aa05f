// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

const RECORD_TYPES = ["Lead", "Contact", "Opportunity", "Customer", "Prospect"];

frappe.ui.form.on("CRM Action Note", {
	setup(frm) {
		frm.set_query("reference_doctype", () => ({ filters: { name: ["in", RECORD_TYPES] } }));
		frm.set_query("assignee", () => ({ filters: { enabled: 1, user_type: "System User" } }));
		frm.set_query("crm_action", () => ({ filters: { disabled: 0 } }));
		frm.set_query("crm_status", () => ({ filters: { disabled: 0 } }));
	},

	refresh(frm) {
		const badges = [
			sales_accelerator.badge("actions", frm.doc.crm_action),
			sales_accelerator.badge("statuses", frm.doc.crm_status),
		].filter(Boolean);
		frm.dashboard.clear_headline();
		if (badges.length) {
			frm.dashboard.set_headline(badges.join(" "));
		}
		if (!frm.is_new() && frm.doc.reference_doctype && frm.doc.reference_name) {
			frm.add_custom_button(__("Open {0}", [__(frm.doc.reference_doctype)]), () =>
				frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name)
			);
		}
	},

	crm_action: (frm) => frm.trigger("refresh"),
	crm_status: (frm) => frm.trigger("refresh"),
});
