"""The customer book: customers with their matching, changes, imports and
places; contacts logged (visits), the timeline, tasks."""
