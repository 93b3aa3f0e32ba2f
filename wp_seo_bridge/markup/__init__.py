"""Text and HTML primitives shared by the stages (extract, check, render): they depend on this floor,
never on each other. Pure functions, no I/O.
"""
