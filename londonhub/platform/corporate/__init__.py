"""Volunteering packages sold to companies, their employees and placements."""
