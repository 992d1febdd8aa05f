"""The CRM Actions and CRM Statuses a new site starts with (spec §5)."""

# (name, short code, category, font colour, background colour)
CRM_ACTIONS = [
	("Shipping", "SHP", "Internal", "#1e3a8a", "#dbeafe"),
	("Order handling", "ORD", "Internal", "#7c2d12", "#ffedd5"),
	("Email", "IEM", "Internal", "#3730a3", "#e0e7ff"),
	("Phone", "PHN", "Sales", "#065f46", "#d1fae5"),
	("Fax", "FAX", "Sales", "#374151", "#e5e7eb"),
	("Email", "EML", "Sales", "#1e40af", "#dbeafe"),
	("Sample shipping", "SMP", "Sales", "#86198f", "#fae8ff"),
]

# (name, short code, category, font colour, background colour, closes the note)
CRM_STATUSES = [
	("Awaiting approval", "AWA", "Internal", "#92400e", "#fef3c7", 0),
	("No response", "NRS", "Internal", "#991b1b", "#fee2e2", 0),
	("Done", "DON", "Internal", "#166534", "#dcfce7", 1),
	("Active", "ACT", "Sales", "#166534", "#dcfce7", 0),
	("Inactive", "INA", "Sales", "#4b5563", "#f3f4f6", 0),
	("Lead", "LED", "Sales", "#1e40af", "#dbeafe", 0),
	("Customer", "CUS", "Sales", "#6b21a8", "#f3e8ff", 0),
	("On hold", "HLD", "Sales", "#9a3412", "#ffedd5", 0),
]
