import datetime as dt

from sales_accelerator.engine.timing import add_duration, into_working_hours

FRI = dt.datetime(2026, 11, 20, 10, 0)  # a Friday


def test_calendar_days_hours_minutes():
	assert add_duration(FRI, days=2) == dt.datetime(2026, 11, 22, 10, 0)
	assert add_duration(FRI, hours=30, minutes=15) == dt.datetime(2026, 11, 21, 16, 15)


def test_business_days_skip_the_weekend():
	assert add_duration(FRI, days=1, business_days=True) == dt.datetime(2026, 11, 23, 10, 0)  # Monday
	assert add_duration(FRI, days=5, business_days=True) == dt.datetime(2026, 11, 27, 10, 0)


def test_business_days_skip_holidays_and_an_end_on_a_day_off_moves_on():
	holidays = {dt.date(2026, 11, 23), dt.date(2026, 11, 24)}
	assert add_duration(FRI, days=1, business_days=True, holidays=holidays) == dt.datetime(
		2026, 11, 25, 10, 0
	)
	# 20 hours from Friday 10:00 ends Saturday 06:00: moved to Monday 06:00
	assert add_duration(FRI, hours=20, business_days=True) == dt.datetime(2026, 11, 23, 6, 0)


def test_days_follow_the_sellers_calendar_across_a_dst_change():
	# New York leaves daylight saving time on 2026-11-01; the site runs in UTC
	start = dt.datetime(2026, 10, 31, 13, 0)  # 09:00 in New York
	end = add_duration(start, days=1, system_tz="UTC", user_tz="America/New_York")
	assert end == dt.datetime(2026, 11, 1, 14, 0)  # still 09:00 in New York


def test_the_sellers_weekend_is_their_own_day():
	# Friday 22:00 UTC is already Saturday 07:00 in Tokyo: one business day is Monday in Tokyo
	start = dt.datetime(2026, 11, 20, 22, 0)
	end = add_duration(start, days=1, business_days=True, system_tz="UTC", user_tz="Asia/Tokyo")
	assert end == dt.datetime(2026, 11, 22, 22, 0)  # Monday 07:00 in Tokyo


# -- working hours ----------------------------------------------------------------------------------
NINE, FIVE = dt.time(9, 0), dt.time(17, 0)


def test_a_moment_in_working_hours_stays_and_others_move_to_the_next_start():
	assert into_working_hours(FRI, NINE, FIVE) == FRI  # Friday 10:00
	assert into_working_hours(FRI.replace(hour=7), NINE, FIVE) == FRI.replace(hour=9)
	assert into_working_hours(FRI.replace(hour=17), NINE, FIVE) == dt.datetime(2026, 11, 21, 9, 0)
	# with business days, Friday evening moves to Monday morning, past a holiday to Tuesday
	evening = FRI.replace(hour=19, minute=30)
	assert into_working_hours(evening, NINE, FIVE, business_days=True) == dt.datetime(2026, 11, 23, 9, 0)
	holiday = {dt.date(2026, 11, 23)}
	assert into_working_hours(evening, NINE, FIVE, business_days=True, holidays=holiday) == dt.datetime(
		2026, 11, 24, 9, 0
	)


def test_the_end_of_the_working_day_is_when_work_opened_then_is_due():
	assert into_working_hours(FRI, NINE, FIVE, end_of_day=True) == FRI.replace(hour=17)
	late = FRI.replace(hour=18)
	assert into_working_hours(late, NINE, FIVE, end_of_day=True) == dt.datetime(2026, 11, 21, 17, 0)


def test_working_hours_are_the_sellers_own_in_their_time_zone():
	# 06:00 UTC is 09:00 in Istanbul: inside the day there; 15:00 UTC is 18:00, after it
	assert into_working_hours(FRI.replace(hour=6), NINE, FIVE, user_tz="Europe/Istanbul") == FRI.replace(
		hour=6
	)
	assert into_working_hours(FRI.replace(hour=15), NINE, FIVE, user_tz="Europe/Istanbul") == dt.datetime(
		2026, 11, 21, 6, 0
	)
