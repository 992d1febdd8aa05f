frappe.listview_settings["Escalation Watch"] = {
	get_indicator(doc) {
		const colours = { Watching: "blue", Done: "green", Stopped: "gray" };
		return [__(doc.status), colours[doc.status], `status,=,${doc.status}`];
	},
};
