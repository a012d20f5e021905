"""Placeholder: this command module is being written."""
