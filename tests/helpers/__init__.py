"""Helpers of the fault-tolerance tests (child scripts run in subprocesses)."""
