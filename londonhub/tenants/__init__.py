"""What each borough workspace does: its public page, its admin, rooms and opportunities."""
