"""The official SDK's `filter` condition strings and `filter_rows` structured filters, turned
into parameterized SeaTable SQL so that filtering runs on the server (pure: no I/O).

User values only ever travel as `?` parameters; identifiers are backtick-quoted names taken
from the table's metadata, so nothing a caller types is pasted into the SQL text.
"""

from ._conditions import condition_columns, conditions_to_sql
from ._grammar import Comparison, Condition, Junction, parse_conditions
from ._view_filters import ROW_FILTER_KEYS, filter_columns, filters_to_sql

__all__ = [
    "ROW_FILTER_KEYS",
    "Comparison",
    "Condition",
    "Junction",
    "condition_columns",
    "conditions_to_sql",
    "filter_columns",
    "filters_to_sql",
    "parse_conditions",
]
