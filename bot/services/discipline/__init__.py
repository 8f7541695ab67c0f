"""Territory and discipline: the rules that keep customers worked and reps accountable."""
