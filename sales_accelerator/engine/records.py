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

# Field types that hold no value a sequence's step or a rule may set: secrets, layout and tables.
NOT_UPDATABLE_FIELDTYPES = frozenset(
	{
		"Password",
		"Table",
		"Table MultiSelect",
		"Section Break",
		"Column Break",
		"Tab Break",
		"HTML",
		"Button",
		"Image",
		"Fold",
		"Heading",
	}
)


def field_update_refusal(fieldtype: str | None, permlevel: int | None) -> str | None:
	"""Why an Update Field step may not write a field: "password", "table" (not a value field),
	"permlevel" (above level 0); None when it may."""
	if fieldtype == "Password":
		return "password"
	if fieldtype in NOT_UPDATABLE_FIELDTYPES:
		return "table"
	if permlevel:
		return "permlevel"
	return None


def is_web_link(value: str | None) -> bool:
	"""Whether a link is an http(s) address with a host (never ``javascript:``, ``data:`` and the like)."""
	from urllib.parse import urlsplit

	text = (value or "").strip()
	if not text or any(ord(c) < 32 for c in text):
		return False
	try:
		parts = urlsplit(text)
	except ValueError:
		return False
	return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
