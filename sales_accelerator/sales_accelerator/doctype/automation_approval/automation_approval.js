// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

frappe.ui.form.on("Automation Approval", {
	refresh(frm) {
		const may_decide =
			frm.doc.status === "Pending" &&
			(frm.doc.approver === frappe.session.user || frappe.user.has_role("System Manager"));
		if (frm.doc.reference_doctype && frm.doc.reference_name) {
			frm.add_custom_button(__("Open {0}", [__(frm.doc.reference_doctype)]), () =>
				frappe.set_route("Form", frm.doc.reference_doctype, frm.doc.reference_name)
			);
		}
		if (!may_decide) return;
		const decide = (decision) =>
			frappe
				.call({
					method: "sales_accelerator.api.decide_approval",
					args: { approval: frm.doc.name, decision },
					freeze: true,
				})
				.then(() => {
					frappe.show_alert({
						message: decision === "Approved" ? __("Approved") : __("Rejected"),
						indicator: decision === "Approved" ? "green" : "red",
					});
					frm.reload_doc();
				});
		frm.add_custom_button(__("Reject"), () => decide("Rejected")).addClass("btn-danger");
		frm.page.set_primary_action(__("Approve"), () => decide("Approved"));
	},
});
