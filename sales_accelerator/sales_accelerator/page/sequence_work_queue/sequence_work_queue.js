// The seller's day: every open sequence activity assigned to me, by due time, overdue in red. The
// Me / My team / Everyone switch shows as much of the others' work as the user's visibility allows.
frappe.pages["sequence-work-queue"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Work Queue"), single_column: true });
	const filters = {
		scope: page.add_field({
			fieldname: "scope",
			fieldtype: "Select",
			label: __("Whose Work"),
			options: [{ label: __("Me"), value: "Me" }],
			default: "Me",
			change: () => refresh(),
		}),
		sequence: page.add_field({ fieldname: "sequence", fieldtype: "Link", options: "Sequence", label: __("Sequence"), change: () => refresh() }),
		record_type: page.add_field({
			fieldname: "record_type",
			fieldtype: "Select",
			label: __("Record Type"),
			options: sales_accelerator.select_options(sales_accelerator.record_types()),
			change: () => refresh(),
		}),
		step_type: page.add_field({
			fieldname: "step_type",
			fieldtype: "Select",
			label: __("Kind"),
			options: sales_accelerator.select_options(sales_accelerator.activity_kinds()),
			change: () => refresh(),
		}),
	};
	page.set_primary_action(__("Refresh"), () => refresh(), "refresh");
	const body = $(`<div class="sa-work-queue frappe-card" style="padding: var(--padding-md);"></div>`).appendTo(page.main);

	async function refresh() {
		const args = {};
		for (const [key, field] of Object.entries(filters)) {
			if (field.get_value()) args[key] = field.get_value();
		}
		const { message } = await frappe.call({ method: "sales_accelerator.api.work_queue", args });
		body.html(render(message || [], args.scope && args.scope !== "Me"));
		sales_accelerator.bind_activity_buttons(body, refresh);
	}

	function render(rows, show_seller) {
		if (!rows.length) return `<div class="text-muted">${__("Nothing to do: no open activities.")}</div>`;
		const esc = frappe.utils.escape_html;
		const lines = rows.map(
			(a) => `<tr class="sa-queue-row ${a.overdue ? "sa-overdue" : ""}" data-name="${esc(a.name)}">
				<td class="${a.overdue ? "text-danger" : ""}" style="white-space:nowrap">${
				a.overdue ? __("Overdue") + " · " : ""
			}${frappe.datetime.str_to_user(a.due)}</td>
				<td><span class="indicator-pill ${a.overdue ? "red" : "blue"}">${esc(__(a.step_type))}</span></td>
				<td>${esc(a.subject || "")}</td>
				<td><a href="/app/${frappe.router.slug(a.record_type)}/${encodeURIComponent(a.record_name)}">${esc(
				__(a.record_type)
			)}: ${esc(a.record_title || a.record_name)}</a></td>
				<td class="text-muted small">${esc(a.sequence_title || "")}</td>${
				show_seller ? `<td class="small sa-seller">${esc(a.seller_name || a.seller)}</td>` : ""
			}
				<td style="white-space:nowrap; text-align:right">${a.mine ? sales_accelerator.activity_buttons(a) : ""}</td>
			</tr>`
		);
		return `<table class="table table-hover" style="margin:0">
			<thead><tr><th>${__("Due")}</th><th>${__("Kind")}</th><th>${__("Subject")}</th><th>${__("Record")}</th><th>${__(
			"Sequence"
		)}</th>${show_seller ? `<th>${__("Seller")}</th>` : ""}<th></th></tr></thead><tbody>${lines.join("")}</tbody></table>`;
	}

	frappe.call("sales_accelerator.api.visibility_scopes").then(({ message }) => {
		const scopes = message?.scopes || ["Me"];
		filters.scope.df.options = scopes.map((v) => ({ label: __(v), value: v }));
		filters.scope.refresh();
		filters.scope.set_value("Me");
		filters.scope.$wrapper.toggle(scopes.length > 1);
	});
	refresh();
	frappe.realtime.on("list_update", (data) => data?.doctype === "Sequence Activity" && refresh());
};
