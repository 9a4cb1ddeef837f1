"""Volunteering pages: public search and opportunity pages, and the workspace's admin."""
