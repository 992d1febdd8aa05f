"""Scoring Rules at work: records' scores follow their field values and what happens with them.

``rules`` loads (and caches) the rules of a document type, ``facts`` finds the events a score counts
(replies, opens, meetings, calls, activities, quotations, orders, overdue invoices) for many records
at once, ``score`` turns them into stored contributions and a score and writes both, ``events`` are
the doc events that rescore a record when something happens to it. The decisions are the engine's
(``sales_accelerator.engine.scoring``).
"""
