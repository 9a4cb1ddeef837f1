"""Associates and their offers, enquiries, quotes, engagements."""
