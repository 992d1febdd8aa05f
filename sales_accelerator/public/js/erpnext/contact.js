frappe.ui.form.on("Contact", {
	refresh(frm) {
		sales_accelerator.up_next.render(frm);
		sales_accelerator.crm_action_notes.render(frm);
		sales_accelerator.score.render(frm);
	},
});
