"""A meeting invitation as an iCalendar (RFC 5545) request: the .ics file calendar programs read."""

import datetime

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"


def ics_invite(
	uid: str,
	starts: datetime.datetime,
	ends: datetime.datetime,
	summary: str,
	organizer: tuple[str, str],
	attendees: list[tuple[str, str]],
	description: str = "",
	location: str = "",
	sequence: int = 0,
	stamp: datetime.datetime | None = None,
	method: str = METHOD_REQUEST,
) -> str:
	"""The invitation to one meeting. Times are aware datetimes (or naive UTC); ``organizer`` and each
	attendee are ``(name, email)``. A later ``sequence`` with the same ``uid`` moves or cancels it."""
	stamp = stamp or datetime.datetime.now(datetime.timezone.utc)
	lines = [
		"BEGIN:VCALENDAR",
		"PRODID:-//Sales Accelerator//Meeting//EN",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		f"METHOD:{method}",
		"BEGIN:VEVENT",
		f"UID:{_text(uid)}",
		f"SEQUENCE:{int(sequence)}",
		f"DTSTAMP:{_utc(stamp)}",
		f"DTSTART:{_utc(starts)}",
		f"DTEND:{_utc(ends)}",
		f"SUMMARY:{_text(summary)}",
	]
	if description:
		lines.append(f"DESCRIPTION:{_text(description)}")
	if location:
		lines.append(f"LOCATION:{_text(location)}")
	lines.append(f"ORGANIZER;CN={_param(organizer[0])}:mailto:{_address(organizer[1])}")
	for name, email in attendees:
		lines.append(
			f"ATTENDEE;CN={_param(name or email)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
			f":mailto:{_address(email)}"
		)
	lines += [
		"STATUS:" + ("CANCELLED" if method == METHOD_CANCEL else "CONFIRMED"),
		"END:VEVENT",
		"END:VCALENDAR",
	]
	return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime.datetime) -> str:
	if moment.tzinfo is not None:
		moment = moment.astimezone(datetime.timezone.utc)
	return moment.strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
	"""A TEXT value: backslashes, semicolons and commas escaped, line breaks as ``\\n``."""
	value = str(value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
	return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _param(value: str) -> str:
	"""A parameter value (a name): quoted, without the characters a quoted value may not hold."""
	cleaned = "".join(c for c in str(value or "") if c not in '"\r\n' and (c == "\t" or ord(c) >= 32))
	return f'"{cleaned}"'


def _address(email: str) -> str:
	"""An email address as a mailto target: no line breaks, spaces or separators that end the line."""
	return "".join(c for c in str(email or "").strip() if c not in ' \t\r\n;:,"<>')


def _fold(line: str, limit: int = 75) -> str:
	"""Lines longer than 75 octets go on in continuation lines starting with a space, never
	splitting a character."""
	out, current, size = [], "", 0
	for char in line:
		width = len(char.encode())
		if size + width > limit:
			out.append(current)
			current, size = " ", 1
		current += char
		size += width
	out.append(current)
	return "\r\n".join(out)
