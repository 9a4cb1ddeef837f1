"""Rooms: every civil-society meeting room in London, bookable in one place, never twice."""
