"""Glue for web frameworks; each one needs its framework's extra (`seatable-async[fastapi]`)."""
