"""Territory and discipline: the rules that keep customers followed up and owned."""
