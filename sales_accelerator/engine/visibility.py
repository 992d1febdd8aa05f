"""Whose work a user sees in the app's lists, queue, workspace and reports (Base CRM's visibility
profiles): their own, their team's (the people who report to them), or everyone's."""

OWN, TEAM, ALL = "Own", "Team", "All"
PROFILES = (OWN, TEAM, ALL)

# The switch in the Work Queue and the reports, narrowest first.
ME, MY_TEAM, EVERYONE = "Me", "My team", "Everyone"
SCOPES = (ME, MY_TEAM, EVERYONE)

# What the app ships in Sales Accelerator Settings: a seller sees their own work, a sales manager
# everyone's.
DEFAULT_PROFILES = {"Sales User": OWN, "Sales Manager": ALL}


def profile_for(roles, profiles: dict[str, str], manages: bool = False, has_team: bool = False) -> str:
	"""The widest profile any of the user's roles has (Own when none has one). The managers of
	sequences see all; a user others report to sees at least their team."""
	if manages:
		return ALL
	found = [profiles[role] for role in roles if profiles.get(role) in PROFILES]
	widest = max(found, key=PROFILES.index, default=OWN)
	if widest == OWN and has_team:
		return TEAM
	return widest


def scopes_for(profile: str, has_team: bool) -> list[str]:
	"""The choices of the Me / My team / Everyone switch the profile allows."""
	if profile == ALL:
		return [ME, MY_TEAM, EVERYONE] if has_team else [ME, EVERYONE]
	if profile == TEAM:
		return [ME, MY_TEAM]
	return [ME]


def scope_for(requested: str | None, profile: str, has_team: bool) -> str:
	"""The scope to show: the one asked for if the profile allows it, else the widest allowed."""
	allowed = scopes_for(profile, has_team)
	return requested if requested in allowed else allowed[-1]


def sellers_in_scope(scope: str, user: str, team: list[str]) -> list[str] | None:
	"""The sellers whose work the scope shows; None for everyone."""
	if scope == EVERYONE:
		return None
	if scope == MY_TEAM:
		return [user, *(member for member in team if member != user)]
	return [user]
