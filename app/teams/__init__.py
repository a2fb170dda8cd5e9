"""Teams (队伍): a district's group of volunteers, optionally of an organisation, with
leads and members, adopting recurring seats at stations."""
