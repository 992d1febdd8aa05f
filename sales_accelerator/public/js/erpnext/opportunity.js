frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		sales_accelerator.up_next.render(frm);
		sales_accelerator.crm_action_notes.render(frm);
		sales_accelerator.score.render(frm);
	},
});
