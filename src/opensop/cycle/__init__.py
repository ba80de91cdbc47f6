"""The rules of the monthly S&OP cycle, pure: steps, plan statuses and their transitions, the permission matrix,
plan content hashing and plan-to-plan comparison. No database, no web: services apply these rules.
"""
