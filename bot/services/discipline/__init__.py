"""Territory and discipline: the rules that keep a field-sales team's work visible and moving."""
