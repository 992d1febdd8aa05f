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
