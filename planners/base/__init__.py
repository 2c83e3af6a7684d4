"""Shared services over the store that every area uses: accounts and roles (auth), the hash-chained audit
trail (audit), the leader's approval queue (approvals), events and their states (events), the home page's
attention list (home) and the demo loader (demo)."""
