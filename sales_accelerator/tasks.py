"""Scheduler entry points (see ``scheduler_events`` in hooks.py).

Each entry point stays thin: it picks the due rows and enqueues RQ jobs; the engine decides.
"""
