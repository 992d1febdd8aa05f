// Browser tests of the seller's desk: headless Chromium (Debian's) driven by playwright-core
// against the bench's desk. Run by scripts/run-tests in the integration tier; needs
//   SA_BASE_URL    the desk, e.g. http://127.0.0.1:8010
//   SA_DATA        JSON made by `bench execute sales_accelerator.tests.browser.setup`
//   SA_EXECUTE     a program that runs a method of the site: SA_EXECUTE <method> <kwargs as JSON>
//   SA_ARTIFACTS   where to save screenshots
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const BASE = process.env.SA_BASE_URL;
const DATA = JSON.parse(process.env.SA_DATA);
const ARTIFACTS = process.env.SA_ARTIFACTS || "artifacts";
mkdirSync(ARTIFACTS, { recursive: true });

let browser;
before(async () => {
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
	});
});
after(async () => browser && (await browser.close()));

async function login(user) {
	const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
	const page = await context.newPage();
	page.on("pageerror", (error) => console.log(`page error (${user}): ${error}`));
	await page.goto(`${BASE}/login`);
	await page.fill("#login_email", user);
	await page.fill("#login_password", DATA.password);
	await page.click(".btn-login");
	await page.waitForURL(/\/app/, { timeout: 30000 });
	return page;
}

// a method of sales_accelerator.tests.browser, run on the site; returns what it returns
const execute = (method, kwargs) => {
	const out = execFileSync(process.env.SA_EXECUTE, [`sales_accelerator.tests.browser.${method}`, JSON.stringify(kwargs)]);
	const last = out.toString().trim().split("\n").pop();
	return last ? JSON.parse(last) : null;
};
const shot = (page, name) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
const panel = (page) => page.locator(".sa-up-next");

async function api(page, method, args) {
	return page.evaluate(
		async ([method, args]) => {
			try {
				return { message: (await frappe.call({ method, args })).message };
			} catch (e) {
				return { error: String(e && (e.exc_type || e.message || e)) };
			}
		},
		[method, args]
	);
}

test("a seller connects a lead, logs an unanswered call and sees the next activity", async () => {
	const page = await login(DATA.seller);
	const lead = DATA.leads[0];
	await page.goto(`${BASE}/app/lead/${lead}`);
	await panel(page).waitFor();
	assert.match(await panel(page).innerText(), /No sequence is connected/);
	await panel(page).locator(".sa-connect").click();
	await page.locator(".modal.show select[data-fieldname='sequence']").selectOption(DATA.sequence);
	await page.locator(".modal.show .btn-primary").click();
	await panel(page).locator(".sa-activity", { hasText: "Research the lead" }).waitFor();
	assert.match(await panel(page).innerText(), /outbound/);
	await shot(page, "1-up-next-connected");

	await panel(page).locator(".sa-complete").click(); // the LinkedIn research
	await panel(page).locator(".sa-activity", { hasText: "Introductory call" }).waitFor();
	await panel(page).locator(".sa-complete").click(); // the call: asks for the outcome
	await page.locator(".modal.show select[data-fieldname='outcome']").selectOption("No Answer");
	await page.locator(".modal.show .btn-primary").click();
	await panel(page).getByText("Wait", { exact: false }).waitFor();
	assert.equal(await panel(page).locator(".sa-activity").count(), 0);
	await shot(page, "2-up-next-waiting");

	execute("advance", { lead, days: 3.1 });
	await page.reload();
	await panel(page).locator(".sa-activity", { hasText: "Follow-up call" }).waitFor();
	await shot(page, "3-up-next-next-call");
	await page.context().close();
});

test("a seller connects three leads at once from the list view", async () => {
	const page = await login(DATA.seller);
	const leads = [DATA.leads[1], DATA.leads[2], DATA.leads[4]];
	await page.goto(`${BASE}/app/lead?name=${encodeURIComponent(JSON.stringify(["in", leads]))}`);
	for (const lead of leads) {
		await page.locator(`.list-row-checkbox[data-name='${lead}']`).check();
	}
	await page.getByRole("button", { name: "Actions" }).click();
	await page.getByText("Connect to sequence").click();
	await page.locator(".modal.show select[data-fieldname='sequence']").selectOption(DATA.sequence);
	await page.locator(".modal.show .btn-primary").click();
	await page.getByText("Connected 3").waitFor();
	await shot(page, "4-list-connected");
	for (const lead of leads) {
		const { message } = await api(page, "sales_accelerator.api.up_next", { doctype: "Lead", name: lead });
		assert.equal(message.enrollment.sequence, DATA.sequence, lead);
	}
	await page.context().close();
});

test("a seller connects every lead a list filter matches, in the background", async () => {
	const page = await login(DATA.seller);
	await page.goto(`${BASE}/app/lead?company_name=${encodeURIComponent(DATA.bulk.company)}`);
	await page.locator(`.list-row-checkbox[data-name='${DATA.bulk.leads[0]}']`).waitFor();
	await page.locator(".page-actions .menu-btn-group button").click();
	await page.getByText("Connect all matching to sequence").click();
	await page.locator(".modal.show .modal-title", { hasText: "Connect all 6 matching records to a sequence" }).waitFor();
	await page.locator(".modal.show select[data-fieldname='sequence']").selectOption(DATA.sequence);
	await page.locator(".modal.show .btn-primary").click();
	await page.getByText("Connecting 6 records in the background").waitFor();
	await shot(page, "4b-list-connect-all-matching");
	execute("run_jobs", {});
	for (const lead of DATA.bulk.leads) {
		const { message } = await api(page, "sales_accelerator.api.up_next", { doctype: "Lead", name: lead });
		assert.equal(message.enrollment.sequence, DATA.sequence, lead);
		assert.ok(message.activities.length, `the first step of ${lead} ran`);
	}
	await page.context().close();
});

test("the work queue lists my activities by due time, the overdue one in red", async () => {
	const page = await login(DATA.seller);
	await page.goto(`${BASE}/app/sequence-work-queue`);
	await page.locator(".sa-queue-row").first().waitFor();
	const rows = page.locator(".sa-queue-row");
	assert.ok((await rows.count()) >= 4);
	const first = rows.first();
	assert.match(await first.getAttribute("class"), /sa-overdue/);
	assert.match(await first.innerText(), /Overdue/);
	const colour = await first.locator("td").first().evaluate((td) => getComputedStyle(td).color);
	const [r, g, b] = colour.match(/\d+/g).map(Number);
	assert.ok(r > 150 && g < 100 && b < 100, `overdue due time is red, got ${colour}`);
	assert.doesNotMatch(await rows.nth(1).getAttribute("class"), /sa-overdue/);
	await shot(page, "5-work-queue");
	await page.context().close();
});

test("a seller who may not read a lead cannot act on its activities", async () => {
	const seller = await login(DATA.seller);
	const { message } = await api(seller, "sales_accelerator.api.up_next", { doctype: "Lead", name: DATA.leads[3] });
	const activity = message.activities[0].name;
	await seller.context().close();

	const other = await login(DATA.other);
	for (const [method, args] of [
		["sales_accelerator.api.complete_activity", { activity, outcome: "Answered" }],
		["sales_accelerator.api.skip_activity", { activity }],
		["sales_accelerator.api.up_next", { doctype: "Lead", name: DATA.leads[3] }],
	]) {
		const result = await api(other, method, args);
		assert.ok(result.error, `${method} must be refused`);
	}
	await other.goto(`${BASE}/app/lead/${DATA.leads[3]}`);
	await other.getByText("Insufficient Permission", { exact: false }).or(other.getByText("Not permitted", { exact: false })).first().waitFor();
	await shot(other, "6-other-seller-refused");
	await other.goto(`${BASE}/app/sequence-work-queue`);
	await other.getByText("Nothing to do", { exact: false }).waitFor();
	await other.context().close();
});

test("an admin sees a rule's saved filters as the form's filter buttons", async () => {
	const page = await login(DATA.admin);
	await page.goto(`${BASE}/app/automation-rule/${encodeURIComponent(DATA.rule)}`);
	const filters = page.locator('[data-fieldname="filters_html"] .filter-box .list_filter');
	await filters.first().waitFor();
	assert.equal(await filters.count(), 1);
	assert.equal(await filters.first().locator("input.input-with-feedback, .filter-field input").last().inputValue(), "Campaign");
	await shot(page, "7-automation-rule");
});

test("the manager approves from the notification in one click and the rule goes on", async () => {
	const page = await login(DATA.other);
	await page.locator(".dropdown-notifications .nav-link, .notifications-icon").first().click();
	const item = page.locator(".notification-item", { hasText: "Approval requested" }).first();
	await item.waitFor();
	await item.click();
	await page.waitForURL(new RegExp(`automation-approval/${DATA.approval}`));
	const approve = page.getByRole("button", { name: "Approve" }).first();
	await approve.waitFor();
	assert.equal(await page.getByRole("button", { name: "Reject" }).count(), 1);
	await shot(page, "8-approval-pending");
	await approve.click();
	await page.locator(".indicator-pill", { hasText: "Approved" }).first().waitFor();
	await shot(page, "9-approval-approved");
	const seller = await login(DATA.seller);
	const tasks = await api(seller, "frappe.client.get_count", {
		doctype: "ToDo",
		filters: { reference_name: DATA.campaign_lead, allocated_to: DATA.seller },
	});
	assert.equal(tasks.message, 1, "the rule's next action made the seller's task");
});

test("a seller's markup in a sequence title or step shows as text to others and runs nowhere", async () => {
	const { markup } = DATA;
	const page = await login(DATA.admin);
	const ran = () => page.evaluate(() => window.__sa_markup_ran);

	// the Connect dialog lists the title as an option
	await page.goto(`${BASE}/app/lead/${markup.free}`);
	await panel(page).locator(".sa-connect").click();
	const select = page.locator(".modal.show select[data-fieldname='sequence']");
	await select.waitFor();
	assert.ok((await select.locator("option").allInnerTexts()).includes(markup.title));
	await select.selectOption(markup.sequence);
	assert.equal(await select.evaluate((el) => el.options[el.selectedIndex].text), markup.title);
	await shot(page, "10-markup-connect-dialog");
	await page.keyboard.press("Escape");

	// the server's message names the sequence a record is already in
	await page.goto(`${BASE}/app/lead/${markup.connected}`);
	await panel(page).waitFor();
	await api(page, "sales_accelerator.api.connect", { sequence: markup.sequence, doctype: "Lead", names: [markup.connected] });
	const message = page.locator(".modal.show .msgprint", { hasText: "already in sequence" });
	await message.waitFor();
	assert.ok((await message.innerText()).includes(markup.title));
	await shot(page, "11-markup-already-connected");
	await page.keyboard.press("Escape");

	// activating a Draft: the error names the step by its subject
	await api(page, "run_doc_method", { dt: "Sequence", dn: markup.draft, method: "activate" });
	const error = page.locator(".modal.show .msgprint", { hasText: "Email Template" });
	await error.waitFor();
	assert.ok((await error.innerText()).includes(markup.subject));
	await shot(page, "12-markup-activation-error");

	await page.waitForTimeout(500); // a broken image's error handler runs at once
	assert.equal(await ran(), undefined, "no markup of the seller's ran in the other user's desk");
	await page.context().close();
});

test("a seller books the meeting with the lead: the invitation goes out and the meeting is due at 10:00", async () => {
	const page = await login(DATA.seller);
	const lead = DATA.meeting_lead;
	await page.goto(`${BASE}/app/lead/${lead}`);
	const meeting = panel(page).locator(".sa-activity", { hasText: "Product demo" });
	await meeting.waitFor();
	assert.equal(await meeting.locator(".sa-snooze").count(), 1);
	await meeting.locator(".sa-book").click();
	const dialog = page.locator(".modal.show");
	await dialog.getByText("Book and send invitation").waitFor();
	const tomorrow = await page.evaluate(() => frappe.datetime.add_days(frappe.datetime.get_today(), 1));
	const starts = await page.evaluate((when) => frappe.datetime.str_to_user(when), `${tomorrow} 10:00:00`);
	await dialog.locator("input[data-fieldname='starts_on']").fill(starts); // typed, as the seller does
	await dialog.locator(".modal-title").click(); // leaves the field: the date picker closes
	await dialog.locator("select[data-fieldname='duration']").selectOption("45");
	await dialog.locator("input[data-fieldname='location']").fill("https://meet.example.com/demo");
	await dialog.locator("textarea[data-fieldname='message']").fill("Looking forward to showing you the product.");
	// the date picker has faded out
	await page.waitForFunction(() =>
		[...document.querySelectorAll(".datepicker")].every((el) => getComputedStyle(el).opacity === "0")
	);
	await shot(page, "8-book-meeting-dialog");
	await dialog.getByText("Book and send invitation").click();

	const booked = panel(page).locator(".sa-activity", { hasText: "Product demo" });
	await booked.locator(".sa-book", { hasText: "Move meeting" }).waitFor();
	await page.getByText("Meeting booked; invitation sent").waitFor();
	assert.ok((await booked.innerText()).includes(`Due ${starts}`), await booked.innerText());
	assert.equal(await booked.locator(".sa-snooze").count(), 0); // moved only by booking again
	await shot(page, "9-meeting-due-at-10");

	// the invitation is on the lead's timeline, sent to the lead's address
	await page.getByRole("tab", { name: "Activities" }).click();
	const invitation = page.locator(".timeline-item", { hasText: "Invitation: Product demo" }).first();
	await invitation.waitFor();
	assert.doesNotMatch(await invitation.innerText(), /Updated invitation/); // the first one
	assert.match(await invitation.innerText(), /browser\.meeting@example\.com|meet\.example\.com/);
	await shot(page, "10-invitation-on-the-timeline");
	await page.context().close();
});

test("a seller sees a lead's score and what it is made of beside it, and cannot change it", async () => {
	const page = await login(DATA.seller);
	const { lead, rule, markup, score } = DATA.score;
	await page.goto(`${BASE}/app/lead/${lead}`);
	const field = page.locator('.frappe-control[data-fieldname="sa_score"]');
	const breakdown = field.locator(".sa-score-breakdown");
	await breakdown.waitFor();
	assert.equal((await field.locator(".control-value").innerText()).trim(), String(score));
	assert.equal(await breakdown.getAttribute("data-score"), String(score));
	const lines = breakdown.locator(".sa-score-line");
	assert.equal(await lines.count(), 3);
	const text = await breakdown.innerText();
	assert.match(text, new RegExp(`Why ${score}`));
	assert.match(await lines.nth(0).innerText(), /\+30\s+Field Value \(source = Campaign\)/);
	assert.match(await lines.nth(1).innerText(), /\+20\s+Email Replied/);
	assert.ok((await lines.nth(2).innerText()).includes(markup), "a condition's markup shows as text");
	assert.ok(text.includes(rule) && /since/.test(text));
	assert.equal(await breakdown.locator("a").count(), 0, "sellers may not open Scoring Rules: no links");
	await field.scrollIntoViewIfNeeded();
	await shot(page, "13-lead-score-breakdown");

	// the score is the rules': what a seller sends for it is ignored
	await api(page, "frappe.client.set_value", { doctype: "Lead", name: lead, fieldname: "sa_score", value: 999 });
	const { message } = await api(page, "sales_accelerator.api.score_breakdown", { doctype: "Lead", name: lead });
	assert.equal(message.score, score);
	assert.equal(message.contributions.reduce((sum, c) => sum + c.points, 0), score);
	assert.equal(await page.evaluate(() => window.__sa_score_ran), undefined);
	await page.context().close();
});

test("the workspace shows a seller their numbers and a manager everyone's, with the charts", async () => {
	const cards = ["My Open Activities", "My Overdue Activities", "Active Enrollments", "Replies in the Last 30 Days"];
	const expected = execute("workspace_counts", {}); // counted in the database, user by user
	for (const [user, key] of [
		[DATA.seller, "seller"],
		[DATA.admin, "manager"],
	]) {
		const page = await login(user);
		await page.goto(`${BASE}/app/sales-accelerator`);
		for (const card of cards) {
			const widget = page.locator(".number-widget-box", { hasText: card });
			await widget.locator(".number").waitFor({ timeout: 30000 });
			const shown = (await widget.locator(".number").innerText()).trim();
			assert.equal(shown, String(expected[key][card]), `${key}: ${card}`);
		}
		const charts = ["Activities Done per Day", "Enrollments by Status", "Pipeline by Sales Stage", "Lead Outcomes in the Last 30 Days"];
		for (const chart of charts) {
			const widget = page.locator(".widget.dashboard-widget-box", { hasText: chart });
			await widget.waitFor();
			await page.waitForFunction((el) => !/Loading/.test(el.innerText), await widget.elementHandle(), { timeout: 30000 });
		}
		// the seller's enrollments by status: their own, as counted in the database
		const donut = page.locator(".widget.dashboard-widget-box", { hasText: "Enrollments by Status" });
		assert.match(await donut.innerText(), new RegExp(`Active\\s+${expected[key]["Active Enrollments"]}\\b`));
		await page.waitForTimeout(1000); // the charts draw
		await shot(page, `14-workspace-${key}`);
		await page.context().close();
	}
	assert.ok(expected.seller["My Open Activities"] > 0 && expected.seller["Replies in the Last 30 Days"] > 0);
	assert.ok(expected.manager["Active Enrollments"] > expected.seller["Active Enrollments"]);
});

test("each report answers for a seller, showing only their work", async () => {
	const page = await login(DATA.seller);
	const reports = ["Sequence Performance", "Sequence Step Funnel", "Seller Activity", "Overdue Activities"];
	for (const [i, report] of reports.entries()) {
		const options = report === "Sequence Step Funnel" ? `?sequence=${encodeURIComponent(DATA.sequence)}` : "";
		await page.goto(`${BASE}/app/query-report/${encodeURIComponent(report)}${options}`);
		await page.locator(".dt-scrollable .dt-cell__content").first().waitFor({ timeout: 30000 });
		await page.waitForTimeout(1500); // the chart's bars grow
		await shot(page, `15-report-${i + 1}-${report.toLowerCase().replaceAll(" ", "-")}`);
		if (report === "Sequence Performance") {
			// the seller's sequence titled with markup shows as text in the table and the chart
			await page.locator(".dt-cell__content", { hasText: DATA.markup.title }).first().waitFor();
			// hovering each bar: the tooltip names its sequence, the markup as text
			const titles = new Set();
			const box = await page.locator(".chart-container svg").first().boundingBox();
			for (let x = box.x + 40; x < box.x + box.width; x += 25) {
				await page.mouse.move(x, box.y + box.height / 3);
				titles.add(await page.locator(".graph-svg-tip .title").textContent());
			}
			titles.delete("");
			assert.ok([...titles].some((title) => title.includes("‹img src=x")), [...titles].join(" | "));
		}
	}
	await page.goto(`${BASE}/app/sequence/${DATA.markup.sequence}`);
	await page.locator(".sa-insights .sa-insight-value").first().waitFor();
	await shot(page, "16-sequence-insights");
	assert.equal(await page.evaluate(() => window.__sa_markup_ran), undefined);
	// the rows a seller gets are theirs alone, whatever they ask for
	const { message } = await api(page, "frappe.desk.query_report.run", {
		report_name: "Overdue Activities",
		filters: { scope: "Everyone" },
	});
	assert.ok(message.result.length > 0);
	assert.deepEqual([...new Set(message.result.map((row) => row.seller))], [DATA.seller]);
	await page.context().close();
});

test("a manager switches the work queue to their team's work, which only its sellers act on", async () => {
	const page = await login(DATA.other); // the seller reports to them
	await page.goto(`${BASE}/app/sequence-work-queue`);
	const scope = page.locator("select[data-fieldname='scope']");
	await scope.waitFor();
	// the choices come with the user's visibility, after the page opens
	await page.waitForFunction(() => document.querySelectorAll("select[data-fieldname='scope'] option").length > 1);
	assert.deepEqual(await scope.locator("option").evaluateAll((options) => options.map((o) => o.value)), ["Me", "My team"]);
	await scope.selectOption("My team");
	const { message } = await api(page, "sales_accelerator.api.work_queue", { scope: "My team" });
	assert.ok(message.length > 0, "the seller's activities on the lead the manager may read");
	await page.locator(".sa-queue-row .sa-seller").first().waitFor();
	assert.equal(await page.locator(".sa-queue-row").count(), message.length);
	assert.equal(await page.locator(".sa-queue-row .sa-complete").count(), 0, "their sellers act on them");
	await shot(page, "17-work-queue-my-team");
	await page.context().close();
});
