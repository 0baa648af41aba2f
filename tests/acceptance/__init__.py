"""Acceptance tests for the SeaTable emulator: spec conformance and the official SDK as a peer."""
