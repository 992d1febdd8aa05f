frappe.listview_settings["Escalation Log"] = {
	get_indicator(doc) {
		const colours = {
			Warn: "yellow",
			Notify: "blue",
			Reassign: "orange",
			"Notify and Reassign": "orange",
		};
		if (!doc.to_user && doc.action !== "Warn") return [__("Nobody Above"), "gray", "to_user,is,not set"];
		return [__(doc.action), colours[doc.action], `action,=,${doc.action}`];
	},
};
