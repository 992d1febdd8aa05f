import frappe

from sales_accelerator.crm import get_crm_config


def boot_session(bootinfo):
	"""Give the desk the CRM colour codes, so lists and forms draw badges without a request, and the
	kinds of activity a seller does and the record types sequences run on, for the Work Queue's and
	the reports' filters."""
	from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES
	from sales_accelerator.engine.sequence import ACTIVITY_TYPES, AUTOMATED_EMAIL

	if frappe.session.user != "Guest":
		bootinfo.sales_accelerator = {
			**get_crm_config(),
			"activity_kinds": [kind for kind in ACTIVITY_TYPES if kind != AUTOMATED_EMAIL],
			"record_types": list(CUSTOMER_FACING_DOCTYPES),
		}
