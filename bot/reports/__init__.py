"""Turning report data into files people open: PNG charts and Excel workbooks."""
