"""Data in and out: reports' figures, Excel exports, spreadsheets read, backup and restore."""
