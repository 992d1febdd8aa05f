import frappe

from sales_accelerator.crm import get_crm_config


def boot_session(bootinfo):
	"""Give the desk the CRM colour codes, so lists and forms draw badges without a request."""
	if frappe.session.user != "Guest":
		bootinfo.sales_accelerator = get_crm_config()
