"""Rasa custom actions: thin adapters from the dialogue to the knowledge layer.

One module per feature (procedures, fallback, handoff, feedback; dossiers by its own
team). ``rasa run actions --actions actions`` imports them all; nothing heavy happens at
import time (the database engine and the search index are built on first use, then cached).
"""
