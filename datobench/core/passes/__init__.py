"""Passes over the IR: instance expansion, checks, and (later) mapping."""
