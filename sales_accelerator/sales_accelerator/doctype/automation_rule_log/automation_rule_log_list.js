frappe.listview_settings["Automation Rule Log"] = {
	get_indicator(doc) {
		const colours = {
			Success: "green",
			"Partly Failed": "orange",
			Failed: "red",
			"Waiting for Approval": "blue",
			Skipped: "gray",
		};
		return [__(doc.status), colours[doc.status], `status,=,${doc.status}`];
	},
};
