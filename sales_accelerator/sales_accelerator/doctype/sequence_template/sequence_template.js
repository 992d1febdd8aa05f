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
		if (!frm.doc.is_standard || frm.is_new()) return;
		if (frm.doc.is_shipped_version) {
			frm.set_intro(
				__("This is the version the app ships: app updates refresh it. Once you change it, your version is kept."),
				"blue"
			);
		} else {
			frm.set_intro(
				__("You have changed this template: app updates leave it as it is."),
				"orange"
			);
			if (frm.perm[0] && frm.perm[0].write) {
				frm.add_custom_button(__("Restore Shipped Version"), () =>
					frappe.confirm(__("Replace your changes with the version the app ships?"), () =>
						frm.call("restore_shipped_version").then(() => frm.reload_doc())
					)
				);
			}
		}
	},
});
