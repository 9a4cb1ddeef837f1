"""Hub admin: every workspace, its status and members, and the whole audit log."""
