"""Escalation Rules at work: items not done in time go up the managers, level by level.

The engine (``sales_accelerator.engine.escalation``) decides when and to whom; ``watch`` finds the
items, keeps each one's state and runs the levels exactly once; ``items`` knows each kind of item
(a Sequence Activity, a ToDo, any other record): whose it is, whether it is still open, and how it is
notified, reassigned and commented on.
"""
