"""Sequence Activity's "Assigned To" is now "Seller", as on Sequence Enrollment: Frappe's list view,
sidebar and filters read a field named ``assigned_to`` as the document's assignments (``_assign``),
so the activity's own seller could not be filtered or grouped on."""

import frappe


def execute():
	if not frappe.db.has_column("Sequence Activity", "assigned_to"):
		return
	frappe.db.sql(
		"update `tabSequence Activity` set seller = assigned_to where seller is null or seller = ''"
	)
	# the work queue's index is on (seller, status, due) now
	if frappe.db.sql("show index from `tabSequence Activity` where Key_name = 'assigned_to_status_due_index'"):
		frappe.db.sql_ddl("alter table `tabSequence Activity` drop index `assigned_to_status_due_index`")
	frappe.db.sql_ddl("alter table `tabSequence Activity` drop column `assigned_to`")
