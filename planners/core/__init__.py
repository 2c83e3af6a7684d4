"""Pure values and contracts every area shares: the exception tree (errors), findings, secrecy levels, the two
languages (i18n), rule-file loading (rules), due expressions, configuration, the clock, every extension point
(hooks) and the one permission question (permissions). Imports neither SQLAlchemy nor Streamlit."""
