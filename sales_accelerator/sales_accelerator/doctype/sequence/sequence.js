// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

sales_accelerator.sequence_flow.setup_form("Sequence");

frappe.ui.form.on("Sequence", {
	onload(frm) {
		if (frm.is_new() && !(frm.doc.steps || []).length) {
			frm.add_child("steps", {
				step_id: "start",
				step_type: "Start",
				subject: __("Sequence starts here"),
			});
			frm.refresh_field("steps");
		}
	},

	refresh(frm) {
		const colours = { Draft: "gray", Active: "green", Inactive: "orange" };
		frm.page.set_indicator(__(frm.doc.status), colours[frm.doc.status] || "gray");
		frm.toggle_enable(["steps", "record_type", "title"], frm.doc.status !== "Active");
		if (!frm.is_new() && frm.doc.status !== "Draft") sales_accelerator.sequence_insights(frm);
		if (frm.is_new() || !frm.perm[0]?.write) return;
		if (frm.doc.status === "Active") {
			frm.add_custom_button(__("Deactivate"), () =>
				frm.call("deactivate").then(() => frm.reload_doc())
			);
		} else {
			frm.add_custom_button(__("Activate"), () =>
				frappe.confirm(__("Activate this sequence? Active sequences cannot be edited."), () =>
					frm.call("activate").then(() => frm.reload_doc())
				)
			).addClass("btn-primary");
		}
	},
});
