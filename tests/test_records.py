import pytest

from sales_accelerator.engine.records import field_update_refusal, is_web_link


@pytest.mark.parametrize(
	"fieldtype, permlevel, refusal",
	[
		("Data", 0, None),
		("Select", 0, None),
		("Link", None, None),
		("Password", 0, "password"),
		("Table", 0, "table"),
		("Table MultiSelect", 0, "table"),
		("Section Break", 0, "table"),
		("HTML", 0, "table"),
		("Data", 1, "permlevel"),
	],
)
def test_which_fields_an_update_field_step_may_write(fieldtype, permlevel, refusal):
	assert field_update_refusal(fieldtype, permlevel) == refusal


@pytest.mark.parametrize(
	"link, ok",
	[
		("https://www.linkedin.com/in/ana", True),
		("http://example.com/x?y=1", True),
		(" HTTPS://EXAMPLE.COM ", True),
		("javascript:alert(1)", False),
		("JavaScript:alert(1)", False),
		(" javascript:alert(1)", False),
		("java\tscript:alert(1)", False),
		("data:text/html,<script>alert(1)</script>", False),
		("vbscript:msgbox", False),
		("//evil.example.com", False),
		("https://", False),
		("www.linkedin.com/in/ana", False),
		("", False),
		(None, False),
	],
)
def test_only_http_and_https_links(link, ok):
	assert is_web_link(link) is ok
