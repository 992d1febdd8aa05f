app_name = "sales_accelerator"
app_title = "Sales Accelerator"
app_publisher = "sales_accelerator contributors"
app_description = "Sequences, an Up next panel, automation rules and colour-coded CRM notes for ERPNext"
app_email = "maintainers@sales-accelerator.invalid"
app_license = "MIT"
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

_RECORD_TYPES = ("Lead", "Contact", "Opportunity", "Customer", "Prospect")

# Desk
app_include_js = "sales_accelerator.bundle.js"

doctype_js = {doctype: f"public/js/erpnext/{doctype.lower()}.js" for doctype in _RECORD_TYPES}
doctype_list_js = {doctype: f"public/js/erpnext/{doctype.lower()}_list.js" for doctype in _RECORD_TYPES}

boot_session = "sales_accelerator.boot.boot_session"

# Connections: CRM Action Notes on the stock customer-facing forms
override_doctype_dashboards = {
	doctype: [f"sales_accelerator.integrations.dashboards.{doctype.lower()}"] for doctype in _RECORD_TYPES
}

# Permissions: notes, enrollments and activities follow the record they are on; sequences are seen
# by everyone, the owner's company or the owner's sales team
has_permission = {
	"CRM Action Note": "sales_accelerator.permissions.crm_action_note_has_permission",
	"Sequence Enrollment": "sales_accelerator.permissions.sequence_record_has_permission",
	"Sequence Activity": "sales_accelerator.permissions.sequence_record_has_permission",
	"Automation Approval": "sales_accelerator.permissions.automation_approval_has_permission",
	"Sequence": "sales_accelerator.permissions.sequence_has_permission",
	"Escalation Log": "sales_accelerator.permissions.escalation_log_has_permission",
	"Escalation Watch": "sales_accelerator.permissions.escalation_watch_has_permission",
	"Score Contribution": "sales_accelerator.permissions.score_contribution_has_permission",
}
permission_query_conditions = {
	"CRM Action Note": "sales_accelerator.permissions.crm_action_note_query_conditions",
	"Sequence Enrollment": "sales_accelerator.permissions.sequence_enrollment_query_conditions",
	"Sequence Activity": "sales_accelerator.permissions.sequence_activity_query_conditions",
	"Automation Approval": "sales_accelerator.permissions.automation_approval_query_conditions",
	"Sequence": "sales_accelerator.permissions.sequence_query_conditions",
	"Escalation Log": "sales_accelerator.permissions.escalation_log_query_conditions",
	"Score Contribution": "sales_accelerator.permissions.score_contribution_query_conditions",
}

# Running sequences; time-based automation rules and webhook retries; escalations; scores: read
# receipts, decay
scheduler_events = {
	"cron": {
		"* * * * *": [
			"sales_accelerator.tasks.process_due_enrollments",
			"sales_accelerator.tasks.send_activity_reminders",
			"sales_accelerator.tasks.send_activity_notices",
			"sales_accelerator.tasks.run_automation_rules",
			"sales_accelerator.tasks.run_escalations",
		],
		"*/5 * * * *": [
			"sales_accelerator.tasks.reconcile_failed_emails",
			"sales_accelerator.tasks.score_read_receipts",
		],
	},
	"daily_long": ["sales_accelerator.tasks.apply_score_decay"],
}

# Automation Rules: one entry point per event, for every DocType (one cache read when it has no rule)
_RULE_EVENTS = ("on_update", "on_update_after_submit", "on_submit", "on_cancel")

doc_events = {
	"*": {
		**{event: "sales_accelerator.automation.rules.on_document_event" for event in _RULE_EVENTS},
		"on_trash": "sales_accelerator.integrations.records.on_any_trash",
	},
	**{
		doctype: {
			"before_save": [
				"sales_accelerator.scoring.score.before_save",
				"sales_accelerator.integrations.records.stamp_disqualified",
			],
			"on_update": [
				"sales_accelerator.scoring.score.on_update",
				"sales_accelerator.integrations.records.on_record_update",
			],
			"on_trash": "sales_accelerator.integrations.records.on_record_trash",
		}
		for doctype in _RECORD_TYPES
	},
	"Communication": {
		"after_insert": [
			"sales_accelerator.integrations.records.on_communication",
			"sales_accelerator.scoring.events.on_communication",
		]
	},
	"Event": {
		"after_insert": "sales_accelerator.integrations.records.on_event",
		"on_update": "sales_accelerator.scoring.events.on_event",
		"after_delete": "sales_accelerator.scoring.events.on_event",
	},
	"Call Log": {"on_update": "sales_accelerator.scoring.events.on_call_log"},
	"Sequence Activity": {"on_change": "sales_accelerator.scoring.events.on_activity_change"},
	**{
		doctype: {
			"on_submit": "sales_accelerator.scoring.events.on_sales_document",
			"on_cancel": "sales_accelerator.scoring.events.on_sales_document",
		}
		for doctype in ("Quotation", "Sales Order", "Sales Invoice")
	},
	"Email Queue": {"on_update": "sales_accelerator.integrations.records.on_email_queue_update"},
	"User": {"validate": "sales_accelerator.integrations.users.validate_user"},
}

# Deleting a record is never blocked by what the app keeps about it: its notes and score
# contributions go first (see integrations.records.on_record_trash); sequence history, rule and
# escalation logs and approvals stay as they were
ignore_links_on_delete = [
	"Sequence Enrollment",
	"Sequence Activity",
	"Automation Rule Log",
	"Automation Rule Log Action",
	"Automation Approval",
	"Escalation Log",
	"Escalation Watch",
	"Score Contribution",
]

# Install, migrate, uninstall, tests
before_install = "sales_accelerator.setup.install.before_install"
after_install = "sales_accelerator.setup.install.after_install"
after_migrate = "sales_accelerator.setup.install.after_migrate"
before_uninstall = "sales_accelerator.setup.install.before_uninstall"
before_tests = "sales_accelerator.setup.install.before_tests"
