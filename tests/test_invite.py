import datetime as dt

from sales_accelerator.engine.invite import METHOD_CANCEL, ics_invite

UTC = dt.timezone.utc
START = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 09:00 UTC


def invite(**kw):
	values = {
		"uid": "EV-0001@crm.example.com",
		"starts": START,
		"ends": START + dt.timedelta(minutes=30),
		"summary": "Product demo: Acme, Inc.",
		"organizer": ("Sam Seller", "sam@example.com"),
		"attendees": [("Jo Buyer", "jo@acme.example")],
		"stamp": dt.datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
		**kw,
	}
	return ics_invite(**values)


def unfolded(text):
	return text.replace("\r\n ", "").split("\r\n")


def test_an_invitation_is_a_calendar_request_in_utc_with_the_attendee():
	text = invite()
	lines = unfolded(text)
	assert lines[0] == "BEGIN:VCALENDAR" and "METHOD:REQUEST" in lines
	assert "DTSTART:20261203T090000Z" in lines and "DTEND:20261203T093000Z" in lines
	assert "SUMMARY:Product demo: Acme\\, Inc." in lines
	assert 'ORGANIZER;CN="Sam Seller":mailto:sam@example.com' in lines
	assert any(
		line.startswith('ATTENDEE;CN="Jo Buyer"')
		and line.endswith(":mailto:jo@acme.example")
		and "RSVP=TRUE" in line
		for line in lines
	)
	assert all(line.endswith("\r\n") or not line for line in text.splitlines(keepends=True))


def test_user_text_cannot_add_lines_or_properties():
	text = invite(
		summary="Demo\r\nATTENDEE:mailto:x@evil.example",
		description="Agenda; pricing, next steps\nBring \\ notes",
		organizer=('Sam "The" Seller\r\nX-EVIL:1', "sam@example.com\r\nX-EVIL:1"),
	)
	lines = unfolded(text)
	assert not any(line.startswith(("X-EVIL", "ATTENDEE:mailto:x@evil")) for line in lines)
	assert "DESCRIPTION:Agenda\\; pricing\\, next steps\\nBring \\\\ notes" in lines
	assert sum(line.startswith("ATTENDEE") for line in lines) == 1


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
	text = invite(description="Встреча по продукту " * 20)
	for line in text.split("\r\n"):
		assert len(line.encode()) <= 75
	assert "Встреча по продукту " * 20 in "".join(unfolded(text))


def test_a_moved_meeting_keeps_its_uid_with_a_later_sequence_and_a_cancel_says_so():
	moved = unfolded(invite(sequence=1))
	assert "UID:EV-0001@crm.example.com" in moved and "SEQUENCE:1" in moved
	cancelled = unfolded(invite(sequence=2, method=METHOD_CANCEL))
	assert "METHOD:CANCEL" in cancelled and "STATUS:CANCELLED" in cancelled
