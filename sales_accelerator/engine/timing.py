"""When a wait or a time-out ends and when an activity is due: calendar or business days, inside the
seller's working hours, in the seller's time zone."""

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


def into_working_hours(
	moment: datetime.datetime,
	day_start: datetime.time,
	day_end: datetime.time,
	business_days: bool = False,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
	end_of_day: bool = False,
) -> datetime.datetime:
	"""``moment`` (naive, in the site's time zone) if it falls in the seller's working hours, else the
	start of their next working hours: the same day before they start, the next working day after
	they stop or on a day off (with ``business_days``, weekends and holidays are off). With
	``end_of_day``, the end of those working hours instead: when work on something opened at
	``moment`` is due."""
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)
	local = moment.replace(tzinfo=system).astimezone(user).replace(tzinfo=None)
	off = set(holidays)

	def is_working(day: datetime.date) -> bool:
		return not business_days or (day.weekday() not in weekend and day not in off)

	day = local.date()
	if local.time() >= day_end or not is_working(day):
		day += datetime.timedelta(days=1)
		for _ in range(3660):  # at most ten years of days off
			if is_working(day):
				break
			day += datetime.timedelta(days=1)
		local = datetime.datetime.combine(day, day_start)
	elif local.time() < day_start:
		local = datetime.datetime.combine(day, day_start)
	if end_of_day:
		local = datetime.datetime.combine(local.date(), day_end)
	return local.replace(tzinfo=user).astimezone(system).replace(tzinfo=None)
