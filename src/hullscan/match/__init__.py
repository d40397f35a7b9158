"""Matching: installed packages against the vulnerability database, yielding findings.

`hullscan.match.matcher.match_packages` (or a long-lived `hullscan.match.matcher.Matcher`)
takes packages and an open `hullscan.vulndb.VulnDB`; `hullscan.match.interface` holds what it
produces. Not re-exported here, because the database package itself imports the interface.
"""
