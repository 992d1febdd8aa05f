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

// Frappe's filter buttons for a document type in `wrapper`, showing the saved filter JSON and
// calling on_change with the new JSON ("" for none) as they change (rules' conditions).
sales_accelerator.filter_editor = (wrapper, doctype, saved, on_change) => {
	wrapper.empty();
	if (!doctype) {
		wrapper.html(`<p class="text-muted small">${__("Choose a Document Type to add filters.")}</p>`);
		return;
	}
	frappe.model.with_doctype(doctype, () => {
		const filter_group = new frappe.ui.FilterGroup({
			parent: $("<div>").appendTo(wrapper),
			doctype,
			on_change: () => {
				const filters = filter_group.get_filters().map((f) => f.slice(1, 4));
				on_change(filters.length ? JSON.stringify(filters) : "");
			},
		});
		let rows = [];
		try {
			rows = JSON.parse(saved || "[]");
		} catch (e) {
			rows = [];
		}
		filter_group.add_filters_to_filter_group(rows.map((f) => [doctype, ...f.slice(-3)]));
	});
};

// The record's Score explained beside it: what each Scoring Rule's criteria, decay and limit, and
// Automation Rules' changes add up to (sales_accelerator.api.score_breakdown).
sales_accelerator.score = {
	SHOWN: 6,

	async render(frm) {
		const field = frm.fields_dict.sa_score;
		if (!field) return;
		field.$wrapper.find(".sa-score-breakdown").remove();
		if (frm.is_new()) return;
		const docname = frm.docname;
		const { message } = await frappe.call({
			method: "sales_accelerator.api.score_breakdown",
			args: { doctype: frm.doctype, name: docname },
		});
		if (!message || frm.docname !== docname) return; // the form moved on meanwhile
		field.$wrapper.find(".sa-score-breakdown").remove(); // another refresh drew it meanwhile
		const box = $(sales_accelerator.score.html(message)).appendTo(field.$wrapper);
		box.find(".sa-score-all").on("click", () => sales_accelerator.score.dialog(message));
	},

	// One contribution as a line: its points, what it is and which rule gave it.
	line(c) {
		const esc = frappe.utils.escape_html;
		const points = c.points > 0 ? `+${c.points}` : `${c.points}`.replace("-", "\u2212");
		const what = [__(c.criterion), c.times > 1 && c.criterion !== "Decay" ? `\u00d7${c.times}` : "", c.label ? `(${c.label})` : ""]
			.filter(Boolean)
			.join(" ");
		const since = c.since ? __("since {0}", [frappe.datetime.str_to_user(String(c.since).split(" ")[0])]) : "";
		const rule_type = c.rule_type || "Scoring Rule";
		const rule = frappe.model.can_read(rule_type)
			? `<a href="/app/${frappe.router.slug(rule_type)}/${encodeURIComponent(c.rule)}">${esc(c.rule)}</a>`
			: esc(c.rule);
		return `<div class="sa-score-line" style="display:flex; gap:8px; align-items:baseline; padding:2px 0;">
			<span class="${c.points > 0 ? "text-success" : "text-danger"}" style="min-width:3em; text-align:right; font-weight:600">${esc(points)}</span>
			<div style="flex:1; min-width:0; overflow-wrap:anywhere;">
				<div class="sa-score-what">${esc(what)}</div>
				<div class="text-muted">${rule}${since ? " \u00b7 " + esc(since) : ""}</div>
			</div>
		</div>`;
	},

	html({ score, contributions }) {
		const shown = contributions.slice(0, sales_accelerator.score.SHOWN);
		const rest = contributions.length - shown.length;
		const lines = shown.map(sales_accelerator.score.line).join("");
		const empty = `<div class="text-muted">${__("No Scoring Rule gives this record points yet.")}</div>`;
		const all =
			rest > 0
				? `<button class="btn btn-xs btn-link sa-score-all" style="padding-left:0">${__("and {0} more", [rest])}</button>`
				: "";
		return `<div class="sa-score-breakdown small" style="margin-top:4px" data-score="${cint(score)}">
			<div class="text-muted" style="margin-bottom:2px">${__("Why {0}:", [cint(score)])}</div>
			${lines || empty}${all}</div>`;
	},

	dialog({ score, contributions }) {
		const dialog = new frappe.ui.Dialog({
			title: __("Score {0}", [cint(score)]),
			fields: [{ fieldname: "lines", fieldtype: "HTML" }],
		});
		dialog.fields_dict.lines.$wrapper.html(
			`<div class="sa-score-breakdown small">${contributions.map(sales_accelerator.score.line).join("")}</div>`
		);
		dialog.show();
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
			</table>${
				flow.path_count > flow.paths.length
					? `<div class="small text-muted">${__("The first {0} of {1} paths.", [flow.paths.length, flow.path_count])}</div>`
					: ""
			}`;
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
		if (node.continues) {
			children = `<div class="small text-muted" style="text-align:center;">\u21AA ${__("Continues as drawn above")}</div>`;
		} else if (node.children.length === 1 && node.children[0].branch === "next") {
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

// "New from Template" and Up next's "Create new sequence": a new Draft sequence from a template, or from blank (for the record type, when one is given).
sales_accelerator.new_sequence_from_template = (template, record_type) => {
	const dialog = new frappe.ui.Dialog({
		title: __("New Sequence"),
		fields: [
			{
				fieldname: "start_from",
				fieldtype: "Select",
				label: __("Start From"),
				options: [
					{ label: __("A template"), value: "Template" },
					{ label: __("Blank"), value: "Blank" },
				],
				default: "Template",
				reqd: 1,
			},
			{
				fieldname: "template",
				fieldtype: "Link",
				label: __("Template"),
				options: "Sequence Template",
				default: template,
				depends_on: "eval:doc.start_from === 'Template'",
				mandatory_depends_on: "eval:doc.start_from === 'Template'",
				get_query: () => (record_type ? { filters: { record_type } } : {}),
				onchange() {
					const value = dialog.get_value("template");
					if (value && !dialog.get_value("title")) dialog.set_value("title", value);
				},
			},
			{ fieldname: "title", fieldtype: "Data", label: __("Sequence Name"), reqd: 1, default: template },
		],
		primary_action_label: __("Create"),
		primary_action({ start_from, template, title }) {
			if (start_from === "Blank") {
				dialog.hide();
				frappe.new_doc("Sequence", { title, ...(record_type ? { record_type } : {}) });
				return;
			}
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
	return dialog;
};

// The "Up next" section on the stock Lead / Contact / Opportunity / Customer / Prospect forms.
sales_accelerator.up_next = {
	// a card above the form's tabs, so it shows whichever tab is open
	card(frm) {
		let card = frm.layout.wrapper.children(".sa-up-next-card");
		if (!card.length) {
			card = $(`<div class="sa-up-next-card form-section card-section" style="padding: var(--padding-md) var(--padding-lg);">
				<div class="section-head" style="font-weight:600; margin-bottom:8px">${__("Up next")}</div>
				<div class="sa-up-next-body"></div></div>`).prependTo(frm.layout.wrapper);
		}
		return card;
	},

	async render(frm) {
		const card = sales_accelerator.up_next.card(frm);
		card.toggle(!frm.is_new());
		if (frm.is_new()) return;
		const docname = frm.docname;
		const { message } = await frappe.call({
			method: "sales_accelerator.api.up_next",
			args: { doctype: frm.doctype, name: docname },
		});
		if (!message || frm.docname !== docname) return; // the form moved on meanwhile
		const body = card.find(".sa-up-next-body").html(sales_accelerator.up_next.html(message));
		sales_accelerator.up_next.bind(frm, body, message);
	},

	html(data) {
		const esc = frappe.utils.escape_html;
		if (!data.enrollment) {
			const buttons = data.can_connect
				? `<button class="btn btn-xs btn-primary sa-connect">${__("Connect a sequence")}</button>
				   <button class="btn btn-xs btn-default sa-create">${__("Create new sequence")}</button>`
				: "";
			return `<div class="sa-up-next"><div class="text-muted small" style="margin-bottom:6px">${__(
				"No sequence is connected to this record."
			)}</div>${buttons}</div>`;
		}
		const e = data.enrollment;
		const progress = __("Step {0} of {1}", [Math.min(e.progress.done + 1, e.progress.total), e.progress.total]);
		const activities = data.activities.map((a) => {
			const due = a.due ? frappe.datetime.str_to_user(a.due) : "";
			const email = a.email_template
				? `<button class="btn btn-xs btn-default sa-email" data-name="${esc(a.name)}">${__(
						"Write email"
				  )}</button> `
				: "";
			const actions = email + sales_accelerator.activity_buttons(a);
			const link = sales_accelerator.is_web_link(a.link)
				? ` <a href="${esc(a.link)}" target="_blank" rel="noopener">${__("Profile")}</a>`
				: "";
			return `<div class="sa-activity" style="display:flex; gap:10px; align-items:center; flex-wrap:wrap; padding:6px 0;">
				<span class="indicator-pill ${a.overdue ? "red" : "blue"} sa-kind">${esc(__(a.step_type))}</span>
				<span style="font-weight:500">${esc(a.subject || "")}</span>${link}
				<span class="small ${a.overdue ? "text-danger sa-overdue" : "text-muted"}">${
				a.overdue ? __("Overdue: {0}", [due]) : __("Due {0}", [due])
			}</span>
				<span style="margin-left:auto">${actions}</span>
			</div>`;
		});
		const waiting = data.activities.length
			? ""
			: `<div class="text-muted small">${
					e.next_due
						? __("{0} until {1}", [esc(e.current_step || ""), frappe.datetime.str_to_user(e.next_due)])
						: esc(e.current_step || "")
			  }</div>`;
		return `<div class="sa-up-next">
			<div style="display:flex; gap:10px; align-items:center; margin-bottom:4px;">
				<a href="/app/sequence/${encodeURIComponent(e.sequence)}" style="font-weight:600">${esc(e.sequence_title)}</a>
				<span class="text-muted small sa-progress">${progress}</span>
				<button class="btn btn-xs btn-link sa-disconnect" style="margin-left:auto">${__("Disconnect")}</button>
			</div>
			${activities.join("")}${waiting}</div>`;
	},

	bind(frm, body, data) {
		const done = () => frm.reload_doc();
		const call = (method, args) => sales_accelerator.call_api(method, args).then(done);
		sales_accelerator.bind_activity_buttons(body, done);
		// the step's email, filled from the record and the seller; sending it completes the step
		body.find(".sa-email").on("click", function () {
			sales_accelerator.call_api("activity_email", { activity: $(this).data("name") }).then(({ message }) => {
				new sales_accelerator.EmailComposer({
					doc: frm.doc,
					frm,
					subject: message.subject,
					recipients: message.recipients,
					message: message.message,
				});
			});
		});
		body.find(".sa-disconnect").on("click", () => {
			frappe.prompt(
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
				({ reason }) => call("disconnect", { doctype: frm.doctype, name: frm.docname, reason }),
				__("Disconnect from sequence"),
				__("Disconnect")
			);
		});
		body.find(".sa-connect").on("click", () =>
			sales_accelerator.connect_dialog(frm.doctype, [frm.docname], data.sequences, done)
		);
		body.find(".sa-create").on("click", () =>
			sales_accelerator.new_sequence_from_template(null, frm.doctype)
		);
	},
};

// Frappe's composer, for a seller's email step. Without a signature of their own, Frappe's composer
// looks for one on the Email Accounts, which sellers without the Inbox User role may not read: the
// lookup fails and the email's text is never filled in. They get no signature instead.
sales_accelerator.EmailComposer = class extends frappe.views.CommunicationComposer {
	async get_signature(sender_email) {
		if (!frappe.boot.user.email_signature && !frappe.model.can_read("Email Account")) return "";
		return super.get_signature(sender_email);
	}
};

// Call a method of sales_accelerator.api, freezing the screen while it runs.
sales_accelerator.call_api = (method, args) =>
	frappe.call({ method: `sales_accelerator.api.${method}`, args, freeze: true });

// Complete (a call asks for its outcome), Skip and Snooze buttons of activities, anywhere.
sales_accelerator.bind_activity_buttons = (container, after) => {
	const call = (method, args) => sales_accelerator.call_api(method, args).then(after);
	container.find(".sa-complete").on("click", function () {
		const activity = $(this).data("name");
		if ($(this).data("kind") !== "Phone Call") return call("complete_activity", { activity });
		frappe.prompt(
			{
				fieldname: "outcome",
				fieldtype: "Select",
				label: __("Call Outcome"),
				options: [
					{ label: __("Answered"), value: "Answered" },
					{ label: __("No Answer"), value: "No Answer" },
					{ label: __("Left Voicemail"), value: "Left Voicemail" },
					{ label: __("Wrong Number"), value: "Wrong Number" },
				],
				reqd: 1,
			},
			({ outcome }) => call("complete_activity", { activity, outcome }),
			__("How did the call go?"),
			__("Complete")
		);
	});
	container.find(".sa-skip").on("click", function () {
		call("skip_activity", { activity: $(this).data("name") });
	});
	container.find(".sa-book").on("click", function () {
		sales_accelerator.book_meeting_dialog($(this).data("name"), $(this).data("due"), after);
	});
	container.find(".sa-snooze").on("click", function () {
		const activity = $(this).data("name");
		frappe.prompt(
			{ fieldname: "until", fieldtype: "Datetime", label: __("Snooze Until"), reqd: 1 },
			({ until }) => call("snooze_activity", { activity, until }),
			__("Snooze"),
			__("Snooze")
		);
	});
};

// Only web addresses become links (never javascript: or data:).
sales_accelerator.is_web_link = (link) => /^https?:\/\//i.test(link || "");

// The buttons of one open activity: a meeting is booked with the customer first, then completed
// once held; a booked meeting moves by booking it again (which tells the customer), not by snoozing.
sales_accelerator.activity_buttons = (a) => {
	const esc = frappe.utils.escape_html;
	const book_first = a.step_type === "Meeting" && !a.event;
	const book =
		a.step_type === "Meeting"
			? `<button class="btn btn-xs ${book_first ? "btn-primary" : "btn-default"} sa-book" data-name="${esc(
					a.name
			  )}" data-due="${esc(a.event ? a.due : "")}">${a.event ? __("Move meeting") : __("Book meeting")}</button>`
			: "";
	return [
		book,
		`<button class="btn btn-xs ${book_first ? "btn-default" : "btn-primary"} sa-complete" data-name="${esc(
			a.name
		)}" data-kind="${esc(a.step_type)}">${__("Complete")}</button>`,
		`<button class="btn btn-xs btn-default sa-skip" data-name="${esc(a.name)}">${__("Skip")}</button>`,
		a.event
			? ""
			: `<button class="btn btn-xs btn-default sa-snooze" data-name="${esc(a.name)}">${__("Snooze")}</button>`,
	]
		.filter(Boolean)
		.join(" ");
};

// Book (or move) a meeting with the customer: the Event and an invitation with an .ics.
sales_accelerator.book_meeting_dialog = (activity, booked_for, after) => {
	const dialog = new frappe.ui.Dialog({
		title: booked_for ? __("Move meeting") : __("Book meeting"),
		fields: [
			{
				fieldname: "starts_on",
				fieldtype: "Datetime",
				label: __("Starts On"),
				reqd: 1,
				default: booked_for || undefined,
			},
			{
				fieldname: "duration",
				fieldtype: "Select",
				label: __("Duration"),
				options: [15, 30, 45, 60, 90, 120].map((m) => ({ label: __("{0} minutes", [m]), value: String(m) })),
				default: "30",
				reqd: 1,
			},
			{ fieldname: "location", fieldtype: "Data", label: __("Place or Link") },
			{
				fieldname: "message",
				fieldtype: "Small Text",
				label: __("Message to the Customer"),
				description: __("Sent with the invitation, which adds the meeting to their calendar."),
			},
		],
		primary_action_label: booked_for ? __("Move and send update") : __("Book and send invitation"),
		primary_action(values) {
			frappe
				.call({
					method: "sales_accelerator.api.book_meeting",
					args: { activity, ...values },
					freeze: true,
				})
				.then(() => {
					dialog.hide();
					frappe.show_alert({ message: __("Meeting booked; invitation sent"), indicator: "green" });
					after && after();
				});
		},
	});
	dialog.show();
	return dialog;
};

// Pick an active sequence for the record type and connect the given records to it: ``names``, or
// with ``matching`` ({filters, count}) every record a list's filters match, which the server lists.
sales_accelerator.connect_dialog = async (doctype, names, sequences, after, matching) => {
	if (!sequences) {
		sequences = await frappe.db.get_list("Sequence", {
			filters: { status: "Active", record_type: doctype },
			fields: ["name", "title"],
			limit: 500,
		});
	}
	if (!sequences.length) {
		frappe.msgprint({
			message: __("There is no active sequence for {0} yet.", [__(doctype)]),
			primary_action: {
				label: __("Create new sequence"),
				action: () => sales_accelerator.new_sequence_from_template(null, doctype),
			},
		});
		return;
	}
	const count = matching ? matching.count : names.length;
	const dialog = new frappe.ui.Dialog({
		title: matching
			? __("Connect all {0} matching records to a sequence", [format_number(count, null, 0)])
			: count > 1
			? __("Connect {0} records to a sequence", [count])
			: __("Connect to a sequence"),
		fields: [
			{
				fieldname: "sequence",
				fieldtype: "Select",
				label: __("Sequence"),
				reqd: 1,
				// titles are users' text: the Select inserts its labels as HTML
				options: sequences.map((s) => ({ label: frappe.utils.escape_html(s.title || s.name), value: s.name })),
			},
		],
		primary_action_label: __("Connect"),
		primary_action({ sequence }) {
			dialog.hide();
			const args = matching ? { sequence, doctype, filters: matching.filters } : { sequence, doctype, names };
			frappe
				.call({ method: "sales_accelerator.api.connect", args, freeze: !matching && count <= 100 })
				.then(({ message }) => {
					if (message.job_id) {
						frappe.show_alert(__("Connecting {0} records in the background", [format_number(count, null, 0)]));
					} else {
						frappe.show_alert({ message: __("Connected {0}", [message.enrollments.length]), indicator: "green" });
					}
					after && after(message);
				});
		},
	});
	dialog.show();
};

// A list's "Connect to sequence": in the Actions menu for the checked records (when the whole page is
// checked and more records match, it offers them all), and in the list's menu for every record its
// filters match, counted first and listed by the server.
sales_accelerator.add_list_connect = (doctype) => {
	const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
	const onload = settings.onload;
	settings.onload = function (listview) {
		onload && onload.apply(this, arguments);
		listview.page.add_actions_menu_item(__("Connect to sequence"), () => sales_accelerator.list_connect(listview));
		listview.page.add_menu_item(__("Connect all matching to sequence"), () =>
			sales_accelerator.list_connect(listview, true)
		);
	};
};

sales_accelerator.list_connect = async (listview, all_matching) => {
	const doctype = listview.doctype;
	const names = all_matching ? [] : listview.get_checked_items(true);
	const refresh = () => listview.refresh();
	if (!all_matching && !names.length) return frappe.msgprint(__("Select the records to connect first."));
	const whole_page = names.length && names.length === listview.data.length;
	if (names.length && !whole_page) return sales_accelerator.connect_dialog(doctype, names, null, refresh);
	const filters = listview.get_filters_for_args();
	const count = await frappe.xcall("frappe.client.get_count", { doctype, filters });
	if (names.length && count <= names.length) return sales_accelerator.connect_dialog(doctype, names, null, refresh);
	if (!count) return frappe.msgprint(__("No record matches the list's filters."));
	const all = () => sales_accelerator.connect_dialog(doctype, null, null, refresh, { filters, count });
	if (all_matching) return all();
	const choose = new frappe.ui.Dialog({
		title: __("Connect to sequence"),
		fields: [
			{
				fieldtype: "HTML",
				options: `<p>${__("All {0} records on this page are selected. {1} records match the list's filters.", [
					names.length,
					format_number(count, null, 0),
				])}</p>`,
			},
		],
		primary_action_label: __("All {0} matching", [format_number(count, null, 0)]),
		primary_action() {
			choose.hide();
			all();
		},
		secondary_action_label: __("Only the {0} selected", [names.length]),
		secondary_action() {
			choose.hide();
			sales_accelerator.connect_dialog(doctype, names, null, refresh);
		},
	});
	choose.show();
};

// -- the app's reports: shared filters, and the Me / My team / Everyone switch --------------------------
// From the boot: the record types sequences run on, the kinds of activity a seller does.
sales_accelerator.record_types = () => sales_accelerator.crm_config().record_types || [];
sales_accelerator.activity_kinds = () => sales_accelerator.crm_config().activity_kinds || [];
sales_accelerator.select_options = (values) => [
	{ label: "", value: "" },
	...values.map((v) => ({ label: __(v), value: v })),
];

sales_accelerator.report_period_filters = (days_back) => [
	{
		fieldname: "from_date",
		label: __("From Date"),
		fieldtype: "Date",
		default: frappe.datetime.add_days(frappe.datetime.get_today(), days_back),
	},
	{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
];
sales_accelerator.record_type_filter = () => ({
	fieldname: "record_type",
	label: __("Record Type"),
	fieldtype: "Select",
	options: sales_accelerator.select_options(sales_accelerator.record_types()),
});
sales_accelerator.activity_kind_filter = () => ({
	fieldname: "step_type",
	label: __("Kind"),
	fieldtype: "Select",
	options: sales_accelerator.select_options(sales_accelerator.activity_kinds()),
});
sales_accelerator.report_scope_filter = () => ({
	fieldname: "scope",
	label: __("Whose Work"),
	fieldtype: "Select",
	options: [{ label: __("Me"), value: "Me" }],
});
// Offer the scopes the user's visibility allows, the widest chosen.
sales_accelerator.limit_report_scopes = async (report) => {
	const { message } = await frappe.call("sales_accelerator.api.visibility_scopes");
	const scopes = message?.scopes || ["Me"];
	const filter = report.get_filter("scope");
	filter.df.options = scopes.map((v) => ({ label: __(v), value: v }));
	filter.refresh();
	filter.set_value(scopes[scopes.length - 1]);
};

// The Sequence form's insights: how the sequence performs and where records drop out (what the user
// may see of it), with links to the two reports.
sales_accelerator.sequence_insights = async (frm) => {
	const wrapper = frm.get_field("insights_html").$wrapper;
	const { message } = await frappe.call({
		method: "sales_accelerator.api.sequence_insights",
		args: { sequence: frm.doc.name },
	});
	if (!message || frm.doc.name !== message.sequence) return;
	const p = message.performance || {};
	const esc = frappe.utils.escape_html;
	const pct = (v) => (v === null || v === undefined ? "–" : `${format_number(v, null, 1)}%`);
	const stat = (key, label, value) =>
		`<div class="sa-insight" data-key="${key}" style="min-width:110px"><div class="text-muted small">${esc(
			label
		)}</div><div class="sa-insight-value" style="font-size:var(--text-2xl);font-weight:600">${esc(
			String(value ?? 0)
		)}</div></div>`;
	wrapper.html(`<div class="sa-insights">
		<div style="display:flex;flex-wrap:wrap;gap:18px;margin-bottom:12px">
			${stat("enrolled", __("Enrolled"), p.enrolled)}
			${stat("active", __("Active"), p.active)}
			${stat("completed", __("Completed"), p.completed)}
			${stat("exited", __("Exited"), p.exited)}
			${stat("disconnected", __("Disconnected"), p.disconnected)}
			${stat("reply_rate", __("Reply Rate"), pct(p.reply_rate))}
			${stat("meeting_rate", __("Meeting Rate"), pct(p.meeting_rate))}
			${stat("conversion_rate", __("Conversion Rate"), pct(p.conversion_rate))}
			${stat("median_days", __("Median Days to Complete"), p.median_days ?? "–")}
		</div>
		<div class="sa-insights-funnel"></div>
		<div style="display:flex;gap:8px">
			<button class="btn btn-xs btn-default sa-open-performance">${__("Sequence Performance")}</button>
			<button class="btn btn-xs btn-default sa-open-funnel">${__("Sequence Step Funnel")}</button>
		</div></div>`);
	const steps = (message.funnel || []).filter((row) => row.reached);
	if (steps.length) {
		new frappe.Chart(wrapper.find(".sa-insights-funnel")[0], {
			data: {
				// the chart's tooltip takes labels as HTML: angle brackets become look-alikes
				labels: steps.map((row) => String(row.label).replace(/</g, "‹").replace(/>/g, "›")),
				datasets: [{ name: __("Reached"), values: steps.map((row) => row.reached) }],
			},
			type: "bar",
			height: 220,
			colors: ["#5E64FF"],
		});
	}
	const open = (report, options) => {
		frappe.route_options = options;
		frappe.set_route("query-report", report);
	};
	wrapper.find(".sa-open-performance").on("click", () => open("Sequence Performance", {}));
	wrapper.find(".sa-open-funnel").on("click", () => open("Sequence Step Funnel", { sequence: frm.doc.name }));
};
