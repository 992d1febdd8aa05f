frappe.ui.form.on("Customer", {
	refresh: (frm) => sales_accelerator.crm_notes.render(frm),
});
