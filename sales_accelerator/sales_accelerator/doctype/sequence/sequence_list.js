frappe.listview_settings["Sequence"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colours = { Draft: "gray", Active: "green", Inactive: "orange" };
		return [__(doc.status), colours[doc.status] || "gray", `status,=,${doc.status}`];
	},
	onload(listview) {
		if (!frappe.model.can_create("Sequence")) return;
		listview.page.add_inner_button(__("New from Template"), () =>
			sales_accelerator.new_sequence_from_template()
		);
	},
};
