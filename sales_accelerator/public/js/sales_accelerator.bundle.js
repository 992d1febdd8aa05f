// Shared desk helpers of Sales Accelerator: colour-coded badges of CRM Actions, Statuses and options.
frappe.provide("sales_accelerator");

sales_accelerator.crm_config = () =>
	(frappe.boot && frappe.boot.sales_accelerator) || { actions: {}, statuses: {}, variables: [] };

// A pill showing `label` in the given colours (falls back to a neutral pill).
sales_accelerator.pill = (label, font_color, background_color, title) => {
	const style = [
		`color: ${font_color || "var(--text-color)"}`,
		`background-color: ${background_color || "var(--bg-gray)"}`,
		"border-radius: var(--border-radius-full, 999px)",
		"padding: 1px 8px",
		"font-size: var(--text-xs, 11px)",
		"font-weight: 500",
		"white-space: nowrap",
		"display: inline-block",
		"line-height: 1.6",
	].join("; ");
	return `<span class="sa-pill" style="${style}" title="${frappe.utils.escape_html(
		title || label
	)}">${frappe.utils.escape_html(label)}</span>`;
};

// Badge of a CRM Action ("actions") or CRM Status ("statuses") by its name (short code).
sales_accelerator.badge = (kind, name) => {
	if (!name) return "";
	const row = sales_accelerator.crm_config()[kind][name];
	if (!row) return frappe.utils.escape_html(name);
	return sales_accelerator.pill(__(row.label), row.font_color, row.background_color, row.short_code);
};

// Badge of a dropdown variable's value, by the variable's CRM Action Note fieldname.
sales_accelerator.option_badge = (fieldname, value) => {
	if (!value) return "";
	const variable = sales_accelerator.crm_config().variables.find((v) => v.fieldname === fieldname);
	const option = variable && variable.options.find((o) => o.option_name === value);
	if (!option) return frappe.utils.escape_html(value);
	return sales_accelerator.pill(value, option.font_color, option.background_color, option.short_code);
};

// The "CRM Action Notes" section on the stock customer-facing forms: latest notes and "Add CRM Action Note".
sales_accelerator.crm_action_notes = {
	async render(frm) {
		if (frm.__sa_crm_action_notes) {
			frm.__sa_crm_action_notes.remove();
			frm.__sa_crm_action_notes = null;
		}
		if (frm.is_new() || !frappe.model.can_read("CRM Action Note")) return;

		if (frappe.model.can_create("CRM Action Note")) {
			frm.add_custom_button(__("CRM Action Note"), () => sales_accelerator.crm_action_notes.add(frm), __("Create"));
		}

		const { message } = await frappe.call({
			method: "sales_accelerator.api.get_crm_action_notes",
			args: { doctype: frm.doctype, name: frm.docname },
		});
		if (!message || frm.__sa_crm_action_notes) return; // another refresh drew it meanwhile
		const body = frm.dashboard.add_section(
			sales_accelerator.crm_action_notes.html(frm, message),
			__("CRM Action Notes")
		);
		frm.__sa_crm_action_notes = body.parent(); // the whole section, so the next refresh removes it
		body.find(".sa-add-note").on("click", () => sales_accelerator.crm_action_notes.add(frm));
		body.find(".sa-all-notes").on("click", () =>
			frappe.set_route("List", "CRM Action Note", {
				reference_doctype: frm.doctype,
				reference_name: frm.docname,
			})
		);
		frm.dashboard.show();
	},

	html(frm, { notes, total }) {
		const rows = notes.map((note) => {
			const due = note.due_date ? frappe.datetime.str_to_user(note.due_date) : "";
			const overdue = note.due_date && note.due_date < frappe.datetime.get_today();
			const text = frappe.utils.escape_html(strip_html(note.note || "")).slice(0, 160);
			return `<div class="sa-note" style="display:flex; gap:8px; align-items:baseline; padding:4px 0;">
				<a href="/app/crm-action-note/${encodeURIComponent(note.name)}">
					${sales_accelerator.badge("actions", note.crm_action)}
					${sales_accelerator.badge("statuses", note.crm_status)}
				</a>
				<span class="text-muted small" style="flex:1">${text}</span>
				${note.assignee ? frappe.avatar(note.assignee, "avatar-xs") : ""}
				<span class="small ${overdue ? "text-danger" : "text-muted"}">${due}</span>
			</div>`;
		});
		const empty = `<div class="text-muted small">${__("No CRM Action Notes yet.")}</div>`;
		const add = frappe.model.can_create("CRM Action Note")
			? `<button class="btn btn-xs btn-default sa-add-note">${__("Add CRM Action Note")}</button>`
			: "";
		const all =
			total > notes.length
				? `<button class="btn btn-xs btn-link sa-all-notes">${__("View all {0}", [total])}</button>`
				: "";
		return `<div class="sa-crm-action-notes">${rows.join("") || empty}
			<div style="margin-top:6px">${add} ${all}</div></div>`;
	},

	add(frm) {
		frappe.new_doc("CRM Action Note", {
			reference_doctype: frm.doctype,
			reference_name: frm.docname,
		});
	},
};

// The sequence designer's flow view: the steps as a flow chart, branches side by side, with every
// path's duration. The server computes it (sales_accelerator.api.sequence_flow); this draws it.
sales_accelerator.sequence_flow = {
	KIND_ICONS: {
		Start: "\u25B6",
		"Automated Email": "\u2709",
		Email: "\u2709",
		"Phone Call": "\u260E",
		Task: "\u2713",
		Meeting: "\u25CE",
		Wait: "\u25F7",
		Condition: "\u25C7",
		Command: "\u25C6",
		"Update Field": "\u270E",
	},

	render(frm) {
		const field = frm.fields_dict.flow_html;
		if (!field) return;
		clearTimeout(frm.__sa_flow_timer);
		frm.__sa_flow_timer = setTimeout(async () => {
			const steps = (frm.doc.steps || []).map((row) => ({ ...row }));
			const { message } = await frappe.call({
				method: "sales_accelerator.api.sequence_flow",
				args: { steps },
			});
			field.$wrapper.html(sales_accelerator.sequence_flow.html(message));
		}, 300);
	},

	html(flow) {
		if (!flow) return "";
		if (flow.error) {
			return `<div class="sa-flow-error text-danger">${frappe.utils.escape_html(flow.error)}</div>`;
		}
		const paths = flow.paths
			.map(
				(path, i) => `<tr><td>${__("Path {0}", [i + 1])}</td>
				<td>${frappe.utils.escape_html(sales_accelerator.sequence_flow.path_label(flow, path))}</td>
				<td>${path.step_count}</td><td>${frappe.utils.escape_html(path.duration)}</td></tr>`
			)
			.join("");
		return `<div class="sa-flow" style="overflow-x:auto; padding: 8px 0; display: flex;"><div style="margin: 0 auto;">
				${sales_accelerator.sequence_flow.node_html(flow, flow.tree)}
			</div></div>
			<table class="table table-bordered table-sm small" style="margin-top: 12px;">
				<thead><tr><th>${__("Path")}</th><th>${__("Branches")}</th><th>${__(
			"Steps"
		)}</th><th>${__("Duration")}</th></tr></thead>
				<tbody>${paths}</tbody>
			</table>`;
	},

	path_label(flow, path) {
		const choices = [];
		path.steps.forEach((id, i) => {
			const step = flow.steps[id];
			if (["Condition", "Command"].includes(step.step_type) && path.steps[i + 1]) {
				const yes = step.yes_step === path.steps[i + 1];
				choices.push(`${step.condition || step.subject || __(step.step_type)}: ${yes ? __("Yes") : __("No")}`);
			}
		});
		return choices.join(" \u2192 ") || __("Straight through");
	},

	step_detail(step) {
		const n = (v) => parseInt(v || 0);
		if (step.step_type === "Wait") {
			const parts = [];
			if (n(step.wait_days)) parts.push(__("{0} d", [n(step.wait_days)]));
			if (n(step.wait_hours)) parts.push(__("{0} h", [n(step.wait_hours)]));
			if (n(step.wait_minutes)) parts.push(__("{0} min", [n(step.wait_minutes)]));
			return __("Wait {0}", [parts.join(" ") || "?"]);
		}
		if (step.step_type === "Condition") {
			const limit = [];
			if (n(step.timeout_days)) limit.push(__("{0} d", [n(step.timeout_days)]));
			if (n(step.timeout_hours)) limit.push(__("{0} h", [n(step.timeout_hours)]));
			return `${__(step.condition || "")} ${limit.length ? __("within {0}", [limit.join(" ")]) : ""}`;
		}
		if (step.step_type === "Command") {
			return `${step.field_name || "?"} ${step.operator || ""} ${step.value || ""}`;
		}
		if (step.step_type === "Update Field") {
			return `${step.field_name || "?"} \u2190 ${step.value || ""}`;
		}
		return step.subject || "";
	},

	node_html(flow, node) {
		const step = flow.steps[node.step_id];
		const icon = sales_accelerator.sequence_flow.KIND_ICONS[step.step_type] || "\u2605";
		const muted = ["Wait", "Start"].includes(step.step_type);
		const card = `<div class="sa-flow-step" title="${frappe.utils.escape_html(node.step_id)}" style="
				border: 1px solid var(--border-color); border-radius: var(--border-radius-md, 8px);
				background: ${muted ? "var(--subtle-fg, var(--bg-light-gray))" : "var(--card-bg, var(--fg-color))"};
				padding: 6px 10px; width: 210px; margin: 0 auto; text-align: left;">
				<div class="small text-muted">${icon} ${__(step.step_type)}</div>
				<div style="font-weight: 500;">${frappe.utils.escape_html(
					sales_accelerator.sequence_flow.step_detail(step)
				)}</div>
			</div>`;
		const arrow = `<div class="text-muted" style="text-align:center; line-height: 1.2;">\u2193</div>`;
		let children = "";
		if (node.children.length === 1 && node.children[0].branch === "next") {
			children = arrow + sales_accelerator.sequence_flow.node_html(flow, node.children[0]);
		} else if (node.children.length) {
			const columns = node.children
				.map(
					(child) => `<div style="flex: 0 0 auto; padding: 0 4px;">
					<div class="small" style="text-align:center; font-weight:600; color: ${
						child.branch === "yes" ? "var(--green-600, #16a34a)" : "var(--red-600, #dc2626)"
					};">${child.branch === "yes" ? __("Yes") : __("No")} \u2193</div>
					${sales_accelerator.sequence_flow.node_html(flow, child)}</div>`
				)
				.join("");
			children = `<div style="display:flex; gap: 8px; justify-content: center; align-items: flex-start; margin-top: 4px;">${columns}</div>`;
		} else if (step.step_type !== "Start") {
			children = `<div class="small text-muted" style="text-align:center;">\u25A0 ${__("End")}</div>`;
		}
		return `<div class="sa-flow-node" style="text-align:center;">${card}${children}</div>`;
	},

	// Form events shared by Sequence and Sequence Template
	setup_form(doctype) {
		const redraw = (frm) => sales_accelerator.sequence_flow.render(frm);
		frappe.ui.form.on(doctype, { refresh: redraw, steps_add: redraw, steps_remove: redraw, steps_move: redraw });
		const step_events = {};
		for (const field of [
			"step_id",
			"step_type",
			"subject",
			"next_step",
			"yes_step",
			"no_step",
			"is_end",
			"wait_days",
			"wait_hours",
			"wait_minutes",
			"condition",
			"timeout_days",
			"timeout_hours",
			"field_name",
			"operator",
			"value",
		]) {
			step_events[field] = redraw;
		}
		frappe.ui.form.on("Sequence Step", step_events);
	},
};

// "New from Template": pick a Sequence Template and a name; opens the new Draft sequence.
sales_accelerator.new_sequence_from_template = (template, record_type) => {
	const dialog = new frappe.ui.Dialog({
		title: __("New Sequence from Template"),
		fields: [
			{
				fieldname: "template",
				fieldtype: "Link",
				label: __("Template"),
				options: "Sequence Template",
				reqd: 1,
				default: template,
				get_query: () => (record_type ? { filters: { record_type } } : {}),
				onchange() {
					const value = dialog.get_value("template");
					if (value && !dialog.get_value("title")) dialog.set_value("title", value);
				},
			},
			{ fieldname: "title", fieldtype: "Data", label: __("Sequence Name"), reqd: 1, default: template },
		],
		primary_action_label: __("Create"),
		primary_action({ template, title }) {
			frappe
				.call({
					method: "sales_accelerator.api.create_sequence_from_template",
					args: { template, title },
					freeze: true,
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.set_route("Form", "Sequence", message);
				});
		},
	});
	dialog.show();
};
