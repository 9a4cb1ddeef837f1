"""Outside systems: OIDC partner logins, calendar feeds, outbound webhooks (issue 6)."""
