"""Territory and discipline: the rules that keep a field team's records current and visible."""
