"""The customer-facing record types the app works on."""

# The record types a CRM Action Note (and, later, a Sequence) can be attached to, with the stock field after
# which the app's "CRM Status" custom field is placed on each form.
CUSTOMER_FACING_DOCTYPES: dict[str, str] = {
	"Lead": "status",
	"Contact": "status",
	"Opportunity": "status",
	"Customer": "customer_group",
	"Prospect": "prospect_owner",
}
