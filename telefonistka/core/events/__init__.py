"""Webhook payloads, parsed once at the edge into frozen data.

One module per delivery: push, pull_request and issue_comment, workflow_dispatch,
schedule and issues.
"""
