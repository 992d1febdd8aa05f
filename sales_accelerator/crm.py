"""The site's CRM Actions, Statuses and Variables, cached for forms, lists and note validation."""

import frappe

CACHE_KEY = "sales_accelerator:crm_config"


def get_crm_config() -> dict:
	"""Colours and order of every CRM Action and CRM Status, and every CRM Variable with its options.

	Small (tens of rows), read on every desk boot and every note save, so it is cached until one of
	those records changes.
	"""
	return frappe.cache.get_value(CACHE_KEY, _build_crm_config)


def clear_crm_config_cache():
	frappe.cache.delete_value(CACHE_KEY)


def _build_crm_config() -> dict:
	colour_fields = [
		"name",
		"short_code",
		"font_color",
		"background_color",
		"display_order",
		"category",
		"disabled",
	]
	actions = frappe.get_all(
		"CRM Action", fields=[*colour_fields, "action_name as label"], order_by="display_order asc, name asc"
	)
	statuses = frappe.get_all(
		"CRM Status",
		fields=[*colour_fields, "status_name as label", "closes_note"],
		order_by="display_order asc, name asc",
	)
	variables = frappe.get_all(
		"CRM Variable",
		fields=[
			"name",
			"variable_type",
			"fieldname",
			"mandatory",
			"disabled",
			"display_order",
			"description",
			"creation",
		],
		order_by="creation asc",
	)
	options = frappe.get_all(
		"CRM Variable Option",
		filters={"parenttype": "CRM Variable"},
		fields=[
			"parent",
			"idx",
			"option_name",
			"short_code",
			"font_color",
			"background_color",
			"display_order",
		],
		order_by="idx asc",
	)
	for variable in variables:
		variable["creation"] = str(variable["creation"])
		variable["options"] = [o for o in options if o.parent == variable.name]
	return {
		"actions": {a.name: a for a in actions},
		"statuses": {s.name: s for s in statuses},
		"variables": variables,
	}
