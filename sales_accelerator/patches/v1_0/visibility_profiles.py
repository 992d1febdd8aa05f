"""Sites that had the app before visibility profiles: a seller sees their own work, a sales manager
everyone's (Sales Accelerator Settings > Visibility)."""

from sales_accelerator.visibility import set_default_profiles


def execute():
	set_default_profiles()
