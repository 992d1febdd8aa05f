"""Automation Rules at work: document events, schedules, actions, webhooks and approvals.

The engine (``sales_accelerator.engine.automation``) decides which rules run and when; this
package loads rules, runs their actions, and logs every run in Automation Rule Log.
"""
