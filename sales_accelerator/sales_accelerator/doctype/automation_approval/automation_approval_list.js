frappe.listview_settings["Automation Approval"] = {
	get_indicator(doc) {
		const colours = { Pending: "orange", Approved: "green", Rejected: "red" };
		return [__(doc.status), colours[doc.status], `status,=,${doc.status}`];
	},
};
