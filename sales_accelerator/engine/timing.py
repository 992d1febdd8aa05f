"""When a wait or a time-out ends: calendar or business days, in the seller's time zone."""

import datetime
from collections.abc import Collection
from zoneinfo import ZoneInfo

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


def add_duration(
	start: datetime.datetime,
	days: int = 0,
	hours: int = 0,
	minutes: int = 0,
	business_days: bool = False,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
) -> datetime.datetime:
	"""``start`` (naive, in the site's time zone) plus a duration; the result is naive in the same zone.

	Days are counted on the seller's calendar (``user_tz``): with ``business_days`` a day is a working
	day (not a weekend day nor a holiday), and an end that falls on a day off moves to the next
	working day at the same time. Hours and minutes are added as elapsed time.
	"""
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)
	local = start.replace(tzinfo=system).astimezone(user)
	off = set(holidays)

	def is_working(day: datetime.date) -> bool:
		return day.weekday() not in weekend and day not in off

	if business_days:
		remaining = int(days)
		while remaining > 0:
			local += datetime.timedelta(days=1)
			if is_working(local.date()):
				remaining -= 1
	else:
		local += datetime.timedelta(days=int(days))

	local += datetime.timedelta(hours=int(hours), minutes=int(minutes))
	if business_days:
		for _ in range(3660):  # at most ten years of days off
			if is_working(local.date()):
				break
			local += datetime.timedelta(days=1)
	# wall-clock arithmetic in the user's zone, then back to the site's zone
	local = local.replace(tzinfo=None).replace(tzinfo=user)
	return local.astimezone(system).replace(tzinfo=None)
