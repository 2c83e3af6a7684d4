"""Exports: calendar, PDF, Word, CSV, badges. Every export is escaped and carries no secret content."""
