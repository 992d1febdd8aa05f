// Copyright (c) 2026, sales_accelerator contributors
// License: MIT. See license.txt

sales_accelerator.sequence_flow.setup_form("Sequence Template");

frappe.ui.form.on("Sequence Template", {
	refresh(frm) {
		if (!frm.is_new() && frappe.model.can_create("Sequence")) {
			frm.add_custom_button(__("Create Sequence"), () =>
				sales_accelerator.new_sequence_from_template(frm.doc.name)
			).addClass("btn-primary");
		}
	},
});
