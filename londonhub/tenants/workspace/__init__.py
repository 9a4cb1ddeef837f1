"""A workspace's public page and its admin: profile, logo, staff, roles, invitations, audit."""
