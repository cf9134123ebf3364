"""What people open: JSON reports, CSV and Excel exports, charts, calendars and PDF packs."""
